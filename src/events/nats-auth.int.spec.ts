import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/support/service-process.js';
import { makeCertificates, startNats } from '../../test/support/test-certificates.js';
import { eventually } from '../../test/support/waiting.js';
import { openNatsContext, type NatsContext } from './nats-context.js';

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
