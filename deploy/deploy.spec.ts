import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { CONFIG_ENV_DEFAULTS, loadConfig, NATS_DEFAULT_MAX_PAYLOAD } from '../src/config/load-config.js';

interface ComposeService {
  image?: string;
  command?: string[];
  volumes?: string[];
  environment?: Record<string, string | number | boolean>;
}

const deployFile = (name: string) => readFileSync(fileURLToPath(new URL(name, import.meta.url)), 'utf8');
const compose = parse(deployFile('./compose.yaml'), { merge: true }) as { services: Record<string, ComposeService> };
const natsConf = deployFile('./nats/nats-server.conf');
const envExample = new Map(
  deployFile('./env.example')
    .split('\n')
    .filter((line) => /^[A-Z]/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const),
);
const knownNames = Object.keys(CONFIG_ENV_DEFAULTS);
const appServices = ['api', 'materializer'] as const;
const natsNodes = Object.keys(compose.services).filter((name) => compose.services[name].image?.startsWith('nats:'));

/** What compose hands the container: `${NAME:-default}` becomes the default (nothing is set in the test's env). */
function resolvedEnvironment(service: ComposeService): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([name, value]) => [
      name,
      String(value).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1'),
    ]),
  );
}

describe('deploy/', () => {
  describe('env.example', () => {
    it('lists every variable the service reads, each with its default', () => {
      expect([...envExample.keys()].sort()).toEqual([...knownNames].sort());
      for (const [name, value] of envExample)
        expect([name, value]).toEqual([name, CONFIG_ENV_DEFAULTS[name as keyof typeof CONFIG_ENV_DEFAULTS]]);
    });

    it('describes each variable in a comment line above it', () => {
      const lines = deployFile('./env.example').split('\n');
      for (const [index, line] of lines.entries()) {
        if (/^[A-Z]/.test(line)) expect([line, lines[index - 1]?.startsWith('# ')]).toEqual([line, true]);
      }
    });
  });

  describe('compose.yaml', () => {
    it.each(appServices)('gives %s only variables the service knows', (name) => {
      const unknown = Object.keys(compose.services[name].environment ?? {}).filter((key) => !knownNames.includes(key));
      expect(unknown).toEqual([]);
    });

    it.each(appServices)('runs %s on R3 streams against all three NATS nodes', (name) => {
      const env = resolvedEnvironment(compose.services[name]);
      expect(env.APPHUB_STREAM_REPLICAS).toBe('3');
      expect(env.NATS_URL.split(',').sort()).toEqual(natsNodes.map((node) => `nats://${node}:4222`).sort());
    });

    it('splits the roles: api, projector and worker in api; the materializer on its own', () => {
      expect(resolvedEnvironment(compose.services.api).APPHUB_ROLES).toBe('api,projector,worker');
      expect(resolvedEnvironment(compose.services.materializer).APPHUB_ROLES).toBe('materializer');
    });

    it.each(appServices)("passes loadConfig with %s's environment", (name) => {
      const config = loadConfig(resolvedEnvironment(compose.services[name]));
      expect(config.streamReplicas).toBe(3);
      expect(config.databaseUrl).toBe('postgres://apphub:apphub@postgres:5432/apphub');
      expect(config.natsUrl.split(',')).toHaveLength(3);
    });

    it('runs a 3-node NATS cluster of nats-server >= 2.10 with unique names', () => {
      expect(natsNodes).toHaveLength(3);
      for (const node of natsNodes) {
        const { image, command = [], volumes = [] } = compose.services[node];
        const [, minor] = /^nats:2\.(\d+)\.\d+-alpine$/.exec(image ?? '') ?? [];
        expect([node, Number(minor) >= 10]).toEqual([node, true]);
        expect(command.slice(command.indexOf('--name'), command.indexOf('--name') + 2)).toEqual(['--name', node]);
        expect(volumes).toContain('./nats/nats-server.conf:/etc/nats/apphub.conf:ro');
      }
    });
  });

  describe('nats/nats-server.conf', () => {
    it('routes every node to every other node', () => {
      const routes = [...natsConf.matchAll(/nats-route:\/\/([\w-]+):6222/g)].map((match) => match[1]);
      expect(routes.sort()).toEqual([...natsNodes].sort());
      expect(natsConf).toMatch(/listen:\s*0\.0\.0\.0:6222/);
    });

    it('enables JetStream with a store dir and keeps max_payload at what the config assumes', () => {
      expect(natsConf).toMatch(/jetstream\s*\{[^}]*store_dir:\s*\/data\/jetstream/);
      const [, size] = /^max_payload:\s*(\d+)MB\b/m.exec(natsConf) ?? [];
      expect(Number(size) * 1024 * 1024).toBe(NATS_DEFAULT_MAX_PAYLOAD);
    });
  });
});
