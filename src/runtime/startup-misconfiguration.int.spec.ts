import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canRunPrivatePostgres, PrivatePostgres } from '../../test/support/private-services.js';
import { ensureBuilt, freePort } from '../../test/support/service-process.js';
import { makeCertificates, startNats } from '../../test/support/test-certificates.js';
import { TEST_TOKENS } from '../../test/support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { CHILD_PROCESS_ENV, TEST_NATS_URL } from '../../test/support/test-env.js';
import { testPrefix } from '../../test/support/test-nats.js';
import { eventually } from '../../test/support/waiting.js';

interface Outcome {
  code: number | null;
  seconds: number;
  /** stderr and stdout (the log). */
  output: string;
}

/**
 * Runs `npm start`'s entry point (default split layout) until it exits, or until `until(output)` holds or `limitMs`
 * passes (then kills it).
 */
async function startAndWait(
  env: Record<string, string>,
  limitMs: number,
  until?: (output: string) => boolean,
): Promise<Outcome> {
  const started = performance.now();
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    cwd: process.cwd(),
    env: {
      ...CHILD_PROCESS_ENV,
      APPHUB_OPERATOR_TOKENS: JSON.stringify(TEST_TOKENS),
      APPHUB_SUBJECT_PREFIX: testPrefix(),
      LOG_LEVEL: 'warn',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(await freePort()),
      APPHUB_BACK_HTTP_PORT: String(await freePort()),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  if (until)
    void eventually(async () => output, until, limitMs, 100).then(
      () => child.kill('SIGKILL'),
      () => undefined,
    );
  const code = await exited;
  clearTimeout(timer);
  return { code, seconds: (performance.now() - started) / 1000, output };
}

/**
 * "Within 5 s" on an idle machine (about 1 s here); the bound asserted is generous for a loaded 2-core CI box and
 * still far below the 249 s of retries this replaced.
 */
function expectPrompt(outcome: Outcome): void {
  process.stdout.write(`exited ${outcome.code} after ${outcome.seconds.toFixed(1)} s\n`);
  expect(outcome.seconds).toBeLessThan(20);
}

/** Issue 21 item 3: settings no wait can fix end the start within 5 s, naming the setting; unreachable hosts wait. */
describe('start-up with a misconfigured dependency', () => {
  const dir = mkdtempSync(join(tmpdir(), 'apphub-misconfig-'));
  const servers: ChildProcess[] = [];
  let database: TestDatabase;

  beforeAll(async () => {
    ensureBuilt();
    database = await createTestDatabase();
  });

  afterAll(async () => {
    for (const server of servers) server.kill('SIGKILL');
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function natsServer(config: string, name: string): Promise<string> {
    const port = await freePort();
    mkdirSync(join(dir, name));
    servers.push(startNats(port, join(dir, name), config));
    await eventually(
      () =>
        new Promise<boolean>((resolve) => {
          const socket = connect(port, '127.0.0.1', () => {
            socket.destroy();
            resolve(true);
          });
          socket.on('error', () => resolve(false));
        }),
      (up) => up,
      10_000,
      50,
    );
    return `nats://127.0.0.1:${port}`;
  }

  it('a NATS password the server refuses: exit 1 within 5 s naming NATS_USER/NATS_PASSWORD', async () => {
    const url = await natsServer('authorization { user: app, password: "right-pass" }', 'userpass');
    const outcome = await startAndWait(
      { DATABASE_URL: database.url, NATS_URL: url, NATS_USER: 'app', NATS_PASSWORD: 'wrong-pass' },
      60_000,
    );
    expect(outcome).toMatchObject({ code: 1 });
    expect(outcome.output).toMatch(/failed to start: NATS_USER\/NATS_PASSWORD: the NATS server refused/);
    expect(outcome.output).not.toContain('wrong-pass');
    expectPrompt(outcome);
  });

  it('a NATS_TLS_CA_FILE that does not exist: exit 1 within 5 s naming it', async () => {
    const outcome = await startAndWait(
      { DATABASE_URL: database.url, NATS_URL: TEST_NATS_URL, NATS_TLS_CA_FILE: join(dir, 'missing-ca.pem') },
      60_000,
    );
    expect(outcome).toMatchObject({ code: 1 });
    expect(outcome.output).toMatch(/failed to start: NATS_TLS_CA_FILE: cannot read .*missing-ca\.pem \(ENOENT\)/);
    expectPrompt(outcome);
  });

  it('a NATS server certificate the CA does not sign: exit 1 within 5 s naming NATS_TLS_CA_FILE', async () => {
    const certs = makeCertificates(dir, 'nats');
    const other = makeCertificates(dir, 'other');
    const url = await natsServer(`tls { cert_file: "${certs.cert}", key_file: "${certs.key}" }`, 'tls');
    const outcome = await startAndWait(
      { DATABASE_URL: database.url, NATS_URL: url, NATS_TLS_CA_FILE: other.ca },
      60_000,
    );
    expect(outcome).toMatchObject({ code: 1 });
    expect(outcome.output).toMatch(/failed to start: NATS_TLS_CA_FILE: the NATS server's certificate does not verify/);
    expectPrompt(outcome);
  });

  (canRunPrivatePostgres ? it : it.skip)(
    'a Postgres CA that does not verify the server: exit 1 within 5 s naming DATABASE_SSL_CA_FILE',
    async () => {
      chmodSync(dir, 0o755);
      const certs = makeCertificates(dir, 'pg');
      const other = makeCertificates(dir, 'pgother');
      execFileSync('chown', ['postgres:postgres', certs.cert, certs.key]);
      chmodSync(certs.key, 0o600);
      const cluster = await PrivatePostgres.start({ ssl: 'on', ssl_cert_file: certs.cert, ssl_key_file: certs.key });
      try {
        const url = await cluster.createDatabase('misconfig');
        const outcome = await startAndWait(
          {
            DATABASE_URL: url,
            DATABASE_SSL_MODE: 'verify-full',
            DATABASE_SSL_CA_FILE: other.ca,
            NATS_URL: TEST_NATS_URL,
          },
          60_000,
        );
        expect(outcome).toMatchObject({ code: 1 });
        expect(outcome.output).toMatch(
          /failed to start: DATABASE_SSL_CA_FILE: the Postgres server's certificate does not verify/,
        );
        expectPrompt(outcome);
      } finally {
        cluster.dispose();
      }
    },
  );

  it('an unreachable NATS server is still waited for (the process keeps trying)', async () => {
    const closed = `nats://127.0.0.1:${await freePort()}`;
    const outcome = await startAndWait({ DATABASE_URL: database.url, NATS_URL: closed }, 30_000, (output) =>
      output.includes('retrying'),
    );
    expect(outcome.code).toBeNull();
    expect(outcome.output).toContain('dependencies not reachable yet; retrying');
  });
});
