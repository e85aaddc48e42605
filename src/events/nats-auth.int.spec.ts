import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/support/service-process.js';
import { eventually } from '../../test/support/waiting.js';
import { openNatsContext, type NatsContext } from './nats-context.js';

/** A private nats-server that requires credentials (user/password, or a token), on a port of its own. */
function startNats(port: number, dir: string, auth: string): ChildProcess {
  const config = join(dir, 'auth.conf');
  writeFileSync(config, `listen: 127.0.0.1:${port}\njetstream { store_dir: "${join(dir, 'js')}" }\n${auth}\n`);
  return spawn('nats-server', ['-c', config], { stdio: 'ignore' });
}

/** A throw-away CA and a server certificate for 127.0.0.1 (openssl). */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  writeFileSync(at('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    at('ca.key'),
    '-out',
    at('ca.pem'),
    '-days',
    '1',
    '-subj',
    '/CN=apphub-test-ca',
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    at('server.key'),
    '-out',
    at('server.csr'),
    '-subj',
    '/CN=127.0.0.1',
  );
  openssl(
    'x509',
    '-req',
    '-in',
    at('server.csr'),
    '-CA',
    at('ca.pem'),
    '-CAkey',
    at('ca.key'),
    '-CAcreateserial',
    '-out',
    at('server.pem'),
    '-days',
    '1',
    '-extfile',
    at('san.ext'),
  );
  return { ca: at('ca.pem'), cert: at('server.pem'), key: at('server.key') };
}

describe('NATS credentials from config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'apphub-nats-auth-'));
  const servers: ChildProcess[] = [];
  const contexts: NatsContext[] = [];

  afterAll(async () => {
    for (const context of contexts) await context.close();
    for (const server of servers) server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const open = (port: number, security?: Parameters<typeof openNatsContext>[0]['security']) =>
    openNatsContext({
      natsUrl: `nats://127.0.0.1:${port}`,
      subjectPrefix: 'authtest',
      streamReplicas: 1,
      leaseTtlMs: 3000,
      ...(security ? { security } : {}),
    });

  async function serverWith(auth: string, sub: string): Promise<number> {
    const port = await freePort();
    const serverDir = join(dir, sub);
    mkdirSync(serverDir);
    servers.push(startNats(port, serverDir, auth));
    return port;
  }

  it('connects with user and password, and is refused without them', async () => {
    const port = await serverWith('authorization { user: app, password: "s3cret-pass" }', 'userpass');
    const context = await eventually(
      () => open(port, { user: 'app', password: 's3cret-pass' }).catch(() => undefined),
      (opened) => opened !== undefined,
      10_000,
      100,
    );
    contexts.push(context!);
    expect(context!.nc.info?.max_payload).toBeGreaterThan(0);
    await expect(open(port, { user: 'app', password: 'wrong' })).rejects.toThrow();
    await expect(open(port)).rejects.toThrow();
  });

  it('connects over TLS with the configured CA, and is refused without it', async () => {
    const certs = makeCertificates(dir);
    const port = await serverWith(`tls { cert_file: "${certs.cert}", key_file: "${certs.key}" }`, 'tls');
    const context = await eventually(
      () => open(port, { tls: { caFile: certs.ca } }).catch(() => undefined),
      (opened) => opened !== undefined,
      10_000,
      100,
    );
    contexts.push(context!);
    expect(context!.nc.info?.tls_required).toBe(true);
    await expect(open(port)).rejects.toThrow();
  });

  it('connects with a token', async () => {
    const port = await serverWith('authorization { token: "t0ken-value-123" }', 'token');
    const context = await eventually(
      () => open(port, { token: 't0ken-value-123' }).catch(() => undefined),
      (opened) => opened !== undefined,
      10_000,
      100,
    );
    contexts.push(context!);
    await expect(open(port, { token: 'other-token' })).rejects.toThrow();
  });
});
