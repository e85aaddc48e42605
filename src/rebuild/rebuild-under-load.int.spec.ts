import { spawn } from 'node:child_process';
import { sql } from 'kysely';
import { allProjections } from '../../projections/index.js';
import { projectionGroup } from '../projector/projection-group.js';
import { loadConfig } from '../config/load-config.js';
import type { EventEnvelope, StoredEvent } from '../events/envelope.js';
import { ConsumerRunner } from '../events/consumer-runner.js';
import { openPlatform, type Platform } from '../runtime/platform.js';
import { rebuildReadModels, type RebuildReport } from './rebuild.js';
import { anAssetProduced } from '../../test/support/builders/asset-events.js';
import { aRunStory } from '../../test/support/builders/lineage-events.js';
import { aStep } from '../../test/support/builders/materializer-events.js';
import { ensureBuilt } from '../../test/support/service-process.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { CHILD_PROCESS_ENV, TEST_NATS_URL } from '../../test/support/test-env.js';
import { testPrefix, natsBehind } from '../../test/support/test-nats.js';

/** `node dist/src/cli/rebuild-cli.js --json` against the test's database and stream. */
function runRebuildCli(platform: Platform): Promise<{ code: number | null; report: RebuildReport | null }> {
  const child = spawn(process.execPath, ['dist/src/cli/rebuild-cli.js', '--json'], {
    env: {
      ...CHILD_PROCESS_ENV,
      DATABASE_URL: platform.config.databaseUrl,
      NATS_URL: platform.config.natsUrl,
      APPHUB_SUBJECT_PREFIX: platform.config.subjectPrefix,
      APPHUB_MIGRATE_ON_START: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      const line = output.trim().split('\n').pop() ?? '';
      resolve({ code, report: line.startsWith('{') ? (JSON.parse(line) as RebuildReport) : null });
    }),
  );
}

function envelope(event: StoredEvent): EventEnvelope {
  const { seq: _seq, subject: _subject, ...rest } = event;
  return rest;
}

/**
 * Issue 21 item 1: full rebuilds while runs complete beside them. The live projector reads `workflow_run` before it
 * writes it, which deadlocked with a swap that upgraded EXCLUSIVE to ACCESS EXCLUSIVE (6 of 7 rebuilds failed).
 */
describe('rebuild under live writes', () => {
  let database: TestDatabase;
  let platform: Platform;
  let live: ConsumerRunner;
  let writing = true;
  let written = 0;
  let writer: Promise<void>;

  async function write(): Promise<void> {
    const { store } = platform;
    const nats = natsBehind(platform.events);
    const steps = [aStep('produce', { jobSlug: 'load-job' })];
    for (let n = 0; writing; n++) {
      const story = aRunStory({ slug: 'load', runId: `run-${n}`, steps, prefix: nats.subjects.prefix });
      await store.append(story.subject, [envelope(story.requested())]);
      await store.append(story.subject, [envelope(story.started())]);
      await store.append(story.subject, [envelope(story.dispatched('produce'))]);
      await store.append(story.subject, [envelope(story.succeeded('produce', []))]);
      await store.append(story.subject, [envelope(story.runSucceeded())]);
      const produced = anAssetProduced({ workflowSlug: 'load', assetId: 'load.out', partitionKey: `p${n % 7}` });
      await store.append(nats.subjects.asset('produced', 'load.out'), [envelope(produced)]);
      written++;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async function deadlocks(): Promise<number> {
    const { rows } = await sql<{ n: number }>`
      select deadlocks::int as n from pg_stat_database where datname = current_database()`.execute(platform.db);
    return rows[0]!.n;
  }

  beforeAll(async () => {
    ensureBuilt();
    database = await createTestDatabase();
    platform = await openPlatform(
      loadConfig({
        DATABASE_URL: database.url,
        NATS_URL: TEST_NATS_URL,
        APPHUB_SUBJECT_PREFIX: testPrefix(),
        APPHUB_MIGRATE_ON_START: 'false',
        LOG_LEVEL: 'silent',
      }),
      { collectDefaultMetrics: false },
    );
    live = new ConsumerRunner(projectionGroup('read_models', allProjections), {
      nats: natsBehind(platform.events),
      store: platform.store,
      db: platform.db,
      log: platform.log,
      leaseTtlMs: 3000,
      instanceId: 'rebuild-under-load',
      withoutLease: true,
    });
    live.start();
    writer = write();
  });

  afterAll(async () => {
    writing = false;
    await writer;
    await live.stop();
    await natsBehind(platform.events)
      .jsm.streams.delete(platform.store.subjects.streams.events)
      .catch(() => undefined);
    await platform.close();
    await database.drop();
  });

  it('swaps every rebuild in on its first try while runs complete, and the live tables equal a fresh replay', async () => {
    const deadlocksBefore = await deadlocks();
    const reports: RebuildReport[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const before = written;
      reports.push(await rebuildReadModels(allProjections, platform, { batchSize: 200 }));
      // The writer kept going during the rebuild (a rebuild beside a steady load, not beside an idle service).
      expect(written).toBeGreaterThan(before);
    }
    // And once as an operator runs it: `npm run rebuild` (the built CLI in its own process), exit 0.
    const before = written;
    const cli = await runRebuildCli(platform);
    expect(written).toBeGreaterThan(before);
    expect({ code: cli.code, swapped: cli.report?.swapped }).toEqual({ code: 0, swapped: true });
    expect(reports.map((report) => report.swapped)).toEqual([true, true, true]);
    writing = false;
    await writer;
    expect(await live.waitFor(await platform.store.lastSequence(), 20_000)).toBe(true);
    const check = await rebuildReadModels(allProjections, platform, { mode: 'compare' });
    expect(check.comparisons.filter((comparison) => !comparison.equal)).toEqual([]);
    expect(written).toBeGreaterThan(20);
    // Neither side was a deadlock victim (the live projector retries one silently, so count them).
    await sql`select pg_stat_force_next_flush()`.execute(platform.db);
    expect(await deadlocks()).toBe(deadlocksBefore);
  });
});
