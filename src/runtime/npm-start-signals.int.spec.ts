import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { TEST_TOKENS } from '../../test/support/test-app.js';
import { ensureBuilt, freePort } from '../../test/support/service-process.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { CHILD_PROCESS_ENV, TEST_NATS_URL } from '../../test/support/test-env.js';
import { openTestNats, testPrefix } from '../../test/support/test-nats.js';
import { eventually } from '../../test/support/waiting.js';

/** Every process below `pid` (children, grandchildren…), from `ps`. */
function descendants(pid: number): number[] {
  const table = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  for (let frontier = [pid]; frontier.length > 0;) {
    const next = table.filter(([, parent]) => frontier.includes(parent)).map(([child]) => child);
    found.push(...next);
    frontier = next;
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function listening(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/health/live`).then(
    () => true,
    () => false,
  );
}

/** Issue 21 item 6: a signal (or the death) of `npm start` reaches the whole service, as an operator sends it. */
describe('npm start under signals', () => {
  let database: TestDatabase;
  const prefix = testPrefix();
  const leftovers: number[] = [];

  beforeAll(async () => {
    ensureBuilt();
    database = await createTestDatabase();
  });

  afterAll(async () => {
    for (const pid of leftovers) if (alive(pid)) process.kill(pid, 'SIGKILL');
    const nats = await openTestNats(prefix);
    await nats.dispose();
    await database.drop();
  });

  async function npmStart(): Promise<{ npm: ChildProcess; port: number; service: number[] }> {
    const port = await freePort();
    const npm = spawn('npm', ['start'], {
      cwd: process.cwd(),
      env: {
        ...CHILD_PROCESS_ENV,
        DATABASE_URL: database.url,
        NATS_URL: TEST_NATS_URL,
        APPHUB_SUBJECT_PREFIX: prefix,
        APPHUB_OPERATOR_TOKENS: JSON.stringify(TEST_TOKENS),
        APPHUB_LOAD_EXAMPLES: 'false',
        LOG_LEVEL: 'warn',
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: String(port),
        APPHUB_BACK_HTTP_PORT: String(await freePort()),
      },
      stdio: 'ignore',
    });
    await eventually(
      () => listening(port),
      (up) => up,
      60_000,
      200,
    );
    const service = descendants(npm.pid!);
    leftovers.push(...service);
    // The supervisor and its two children (plus a shell, if npm used one).
    expect(service.length).toBeGreaterThanOrEqual(3);
    return { npm, port, service };
  }

  it.each([['SIGTERM'], ['SIGKILL']] as const)(
    '`kill -%s <npm pid>` stops every service process and closes the port',
    async (signal) => {
      const { npm, port, service } = await npmStart();
      process.kill(npm.pid!, signal);
      await eventually(
        async () => service.filter(alive),
        (left) => left.length === 0,
        30_000,
        200,
      );
      expect(await listening(port)).toBe(false);
    },
  );
});
