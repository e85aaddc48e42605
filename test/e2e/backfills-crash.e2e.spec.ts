import { killHard, startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { openTestNats, testPrefix } from '../support/test-nats.js';
import { eventually } from '../support/waiting.js';
import {
  completeDispatched,
  driveBackfill,
  getBackfill,
  partitionedWorkflow,
  peakConcurrency,
  requestBackfill,
  requestedRunsByPartition,
} from './backfill-fixtures.js';
import { register } from './materializer-fixtures.js';

const PARTITIONS = 150;
const MAX_CONCURRENT = 20;

describe('kill -9 of the service in the middle of a backfill', () => {
  let database: TestDatabase;
  const prefix = testPrefix();
  let t: TestApp | undefined;
  let service: ServiceProcess | undefined;
  const env = () => ({
    DATABASE_URL: database.url,
    APPHUB_SUBJECT_PREFIX: prefix,
    APPHUB_MIGRATE_ON_START: 'false',
    // The backfill manager, the materializer, the run executor and the read models all die with the process.
    APPHUB_ROLES: 'api,projector,materializer',
    APPHUB_LEASE_TTL_MS: '2000',
    ASSET_MATERIALIZER_MAX_CONCURRENT_RUNS_PER_WORKFLOW: '50',
  });

  beforeAll(async () => {
    database = await createTestDatabase();
    t = await startTestApp({ APPHUB_ROLES: 'api' }, { database, prefix });
  });
  afterAll(async () => {
    if (service) await killHard(service);
    await t?.close();
    await (await openTestNats(prefix)).dispose();
    await database.drop();
  });

  it('releases and runs every partition exactly once across the crash, and completes', async () => {
    const app = t!;
    await register(app, partitionedWorkflow('crash-bf', { type: 'dynamic' }));
    service = await startServiceProcess(env());
    const keys = Array.from({ length: PARTITIONS }, (_, i) => `p-${String(i).padStart(3, '0')}`);
    const { data } = await requestBackfill(app, 'crash-bf', {
      partitions: { keys },
      maxConcurrentRuns: MAX_CONCURRENT,
    });

    // Work as the external worker until about a third is done, then kill the service mid-flight.
    const atKill = await eventually(
      async () => {
        await completeDispatched(app, 'crash-bf');
        return (await getBackfill(app, 'crash-bf', data.id))?.data.counts;
      },
      (counts) => (counts?.succeeded ?? 0) >= PARTITIONS / 3,
      60_000,
      10,
    );
    // Partitions are still waiting to be released and runs are in flight when the process dies.
    expect(atKill.queued).toBeGreaterThan(0);
    expect(atKill.running + atKill.requested).toBeGreaterThan(0);
    await killHard(service);
    // Completions keep arriving while it is down (they are recorded on the run subjects by this API process).
    await completeDispatched(app, 'crash-bf');

    service = await startServiceProcess(env());
    const done = await driveBackfill(app, 'crash-bf', data.id, { timeoutMs: 120_000 });
    expect(done.data).toMatchObject({ status: 'succeeded', counts: { total: PARTITIONS, succeeded: PARTITIONS } });

    const runs = await requestedRunsByPartition(app.platform.nats, 'crash-bf');
    expect(runs.size).toBe(PARTITIONS);
    expect([...runs.entries()].filter(([, n]) => n !== 1)).toEqual([]);

    const events = await app.platform.store.readSubject(app.platform.store.subjects.backfill('crash-bf', data.id));
    const ids = events.map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
    const released = events.filter((event) => event.type === 'backfill.partition-requested');
    expect(released).toHaveLength(PARTITIONS);
    expect(events.filter((event) => event.type === 'backfill.completed')).toHaveLength(1);
    expect(await peakConcurrency(database.db, 'crash-bf')).toBeLessThanOrEqual(MAX_CONCURRENT);
  });
});
