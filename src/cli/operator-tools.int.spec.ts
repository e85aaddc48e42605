import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { productionApp } from '../../test/support/production-install.js';
import { ensureBuilt } from '../../test/support/service-process.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { CHILD_PROCESS_ENV, TEST_NATS_URL } from '../../test/support/test-env.js';
import { openTestNats, testPrefix } from '../../test/support/test-nats.js';

interface Run {
  code: number | null;
  seconds: number;
  output: string;
}

/** Issue 21 item 2: the operator tools run from the built code with production dependencies only (as in the image). */
describe('operator tools after `npm ci --omit=dev`', () => {
  let app: string;
  let database: TestDatabase;
  const prefix = testPrefix();

  beforeAll(async () => {
    ensureBuilt();
    app = productionApp();
    database = await createTestDatabase();
  }, 180_000);

  afterAll(async () => {
    const nats = await openTestNats(prefix);
    await nats.dispose();
    await database.drop();
    rmSync(app, { recursive: true, force: true });
  });

  function npmRun(args: string[]): Promise<Run> {
    const started = performance.now();
    const child = spawn('npm', ['run', '-s', ...args], {
      cwd: app,
      env: {
        ...CHILD_PROCESS_ENV,
        DATABASE_URL: database.url,
        NATS_URL: TEST_NATS_URL,
        APPHUB_SUBJECT_PREFIX: prefix,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    return new Promise((resolve) =>
      child.once('exit', (code) => {
        const seconds = (performance.now() - started) / 1000;
        process.stdout.write(`npm run ${args.join(' ')}: exit ${code} in ${seconds.toFixed(1)} s\n`);
        resolve({ code, seconds, output });
      }),
    );
  }

  it('has no dev dependencies to lean on', () => {
    // (typescript itself stays: @nestjs/swagger depends on it.)
    for (const dev of ['jest', 'ts-jest', '@types/node', 'eslint'])
      expect({ dev, present: existsSync(join(app, 'node_modules', dev)) }).toEqual({ dev, present: false });
    expect(existsSync(join(app, 'node_modules', 'commander'))).toBe(true);
  });

  it.each([
    [['migrate'], 'database is up to date\n'],
    [['dead-letters', '--', 'list'], 'no dead letters\n'],
    [['rebuild', '--', '--dry-run', '--json'], expect.stringContaining('"equal":true')],
    [['lineage', '--', 'dead-letters', 'list'], 'no OpenLineage dead letters\n'],
  ])('npm run %j exits 0 without building', async (args, output) => {
    const run = await npmRun(args);
    expect({ code: run.code, output: run.output }).toEqual({ code: 0, output });
    // Seconds, not the ~20 s of a TypeScript and console build (generous: a loaded 2-core CI box).
    expect(run.seconds).toBeLessThan(15);
  });

  it('discards a process manager’s dead letter with who and why; replay of a missing one exits 1 (item 5)', async () => {
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    try {
      await db.query(`insert into projection_dead_letter (projection, seq, subject, event_id, event_type, error, body)
        values ('materializer', 41, 'x.asset.produced.garbage', null, null, 'not an event', '{}')`);
      const replay = await npmRun(['dead-letters', '--', 'replay', 'materializer']);
      expect(replay.code).toBe(1);
      expect(replay.output).toContain('dead-letters -- discard materializer');
      const discard = await npmRun([
        'dead-letters',
        '--',
        'discard',
        'materializer',
        '41',
        '--reason',
        'poison',
        '--by',
        'ops',
      ]);
      expect({ code: discard.code, output: discard.output }).toEqual({ code: 0, output: 'discarded 1: 41\n' });
      const { rows } = await db.query(`select consumer, seq::int, discarded_by, reason from dead_letter_discard`);
      expect(rows).toEqual([{ consumer: 'materializer', seq: 41, discarded_by: 'ops', reason: 'poison' }]);
      expect((await npmRun(['dead-letters', '--', 'list'])).output).toBe('no dead letters\n');
      const missing = await npmRun(['dead-letters', '--', 'replay', 'asset_history', '999']);
      expect(missing.code).toBe(1);
      expect(missing.output).toContain('no dead letter of asset_history at seq 999');
    } finally {
      await db.end();
    }
  });

  it('says to run `npm run build` when dist/ is missing', async () => {
    rmSync(join(app, 'dist'), { recursive: true, force: true });
    const run = await npmRun(['rebuild']);
    expect(run.code).toBe(2);
    expect(run.output).toContain('run `npm run build` first');
  });
});
