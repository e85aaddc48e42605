import { startServiceProcess, killHard, type ServiceProcess } from '../support/service-process.js';
import { PrivateNats } from '../support/private-services.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { testPrefix } from '../support/test-nats.js';
import {
  call,
  callUntilAnswered,
  mapLimit,
  streamIdCounts,
  waitForCount,
  waitUntilReady,
  type Answer,
} from './drill-client.js';

const RUNS = 300;

/**
 * Drill (issue 8): `kill -9` of nats-server in the middle of a burst of 300 completions, back after 5 s. Every run
 * succeeds exactly once, history holds 300 distinct materializations, the stream holds no id twice, and the same
 * process becomes ready again by itself within 10 s of NATS returning.
 */
describe('drill: NATS killed in the middle of a burst of completions', () => {
  let nats: PrivateNats;
  let database: TestDatabase;
  let service: ServiceProcess | undefined;
  const prefix = testPrefix();

  beforeAll(async () => {
    nats = await PrivateNats.start();
    database = await createTestDatabase();
    service = await startServiceProcess({
      NATS_URL: nats.url,
      DATABASE_URL: database.url,
      APPHUB_SUBJECT_PREFIX: prefix,
      APPHUB_MIGRATE_ON_START: 'false',
    });
  });
  afterAll(async () => {
    if (service) await killHard(service);
    await nats.dispose();
    await database.drop();
  });

  it('loses nothing, doubles nothing, and recovers without a restart', async () => {
    const { baseUrl, child } = service!;
    const pid = child.pid;
    const definition = {
      slug: 'drill',
      name: 'Drill',
      steps: [
        { id: 'make', jobSlug: 'drill-job', produces: [{ assetId: 'drill.out', partitioning: { type: 'dynamic' } }] },
      ],
    };
    expect((await call(baseUrl, 'POST', '/workflows', definition)).status).toBe(201);
    const runIds: string[] = [];
    await mapLimit(RUNS, 16, async (i) => {
      const answer = await call(baseUrl, 'POST', '/workflows/drill/run', { partitionKey: `p-${i}` });
      expect(answer.status).toBe(202);
      runIds[i] = answer.body.data.id;
    });
    const dispatched = `select count(*)::int as n from workflow_run where workflow_slug = 'drill' and state->'steps'->'make'->>'status' = 'running'`;
    expect(await waitForCount(database.url, dispatched, RUNS)).toBe(RUNS);

    const seen: Answer[] = [];
    let completed = 0;
    let backAt = 0;
    let readyAt = 0;
    const outage = (async () => {
      while (completed < RUNS / 3) await new Promise((resolve) => setTimeout(resolve, 10));
      await nats.killHard();
      await new Promise((resolve) => setTimeout(resolve, 5000));
      await nats.restart();
      backAt = Date.now();
      readyAt = await waitUntilReady(baseUrl, 30_000);
    })();
    await mapLimit(RUNS, 16, async (i) => {
      const answer = await callUntilAnswered(
        baseUrl,
        'POST',
        `/workflow-runs/${runIds[i]}/steps/make/complete`,
        {
          status: 'succeeded',
          attempt: 1,
          result: { assets: [{ assetId: 'drill.out', payload: { i } }] },
        },
        seen,
      );
      expect(answer.status).toBe(200);
      completed += 1;
    });
    await outage;
    process.stdout.write(`drill: ready ${readyAt - backAt} ms after NATS returned\n`);
    expect(readyAt - backAt).toBeLessThanOrEqual(10_000);

    // During the outage the service answered 503 problems (or the connection was cut), never 500.
    expect(seen.filter((answer) => answer.status >= 500 && answer.status !== 503)).toEqual([]);
    for (const answer of seen.filter((candidate) => candidate.status === 503))
      expect(['dependency_unavailable', 'overloaded']).toContain(answer.body.code);

    const succeeded = `select count(*)::int as n from workflow_run where workflow_slug = 'drill' and status = 'succeeded'`;
    expect(await waitForCount(database.url, succeeded, RUNS)).toBe(RUNS);
    const history = `select count(distinct event_id)::int as n from asset_materialization where asset_id = 'drill.out'`;
    expect(await waitForCount(database.url, history, RUNS)).toBe(RUNS);
    const partitions = `select count(*)::int as n from asset_partition where asset_id = 'drill.out' and materializations = 1`;
    expect(await waitForCount(database.url, partitions, RUNS)).toBe(RUNS);

    const ids = await streamIdCounts(nats.url, `${prefix.toUpperCase()}_EVENTS`);
    expect([...ids].filter(([, count]) => count > 1)).toEqual([]);
    expect(child.exitCode).toBeNull();
    expect(child.pid).toBe(pid);
  }, 180_000);
});
