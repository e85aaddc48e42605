import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { ADMIN_TOKEN } from '../support/test-app.js';
import { openTestNats, testPrefix } from '../support/test-nats.js';
import { killHard, startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { eventually } from '../support/waiting.js';

const RUNS = 120;

async function call(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

describe('kill -9 in the middle of a burst of step completions', () => {
  let database: TestDatabase;
  const prefix = testPrefix();
  let service: ServiceProcess | undefined;
  const env = () => ({ DATABASE_URL: database.url, APPHUB_SUBJECT_PREFIX: prefix, APPHUB_MIGRATE_ON_START: 'false' });

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    if (service) await killHard(service);
    const nats = await openTestNats(prefix);
    await nats.dispose();
    await database.drop();
  });

  it('records every materialization exactly once after a restart', async () => {
    service = await startServiceProcess(env());
    const definition = {
      slug: 'burst',
      name: 'Burst',
      steps: [
        { id: 'make', jobSlug: 'crash-job', produces: [{ assetId: 'crash.out', partitioning: { type: 'dynamic' } }] },
      ],
    };
    expect((await call(service.baseUrl, 'POST', '/workflows', definition)).status).toBe(201);
    const runIds: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      const response = await call(service.baseUrl, 'POST', '/workflows/burst/run', { partitionKey: `p-${i}` });
      runIds.push(response.body.data.id);
    }
    const running = async (baseUrl: string) => {
      for (const runId of runIds)
        await eventually(
          () => call(baseUrl, 'GET', `/workflow-runs/${runId}`),
          (r) => r.body?.data?.steps?.[0]?.status !== 'pending',
          20_000,
        );
    };
    await running(service.baseUrl);

    const complete = (baseUrl: string, runId: string, i: number) =>
      call(baseUrl, 'POST', `/workflow-runs/${runId}/steps/make/complete`, {
        status: 'succeeded',
        result: { assets: [{ assetId: 'crash.out', payload: { i } }] },
      }).catch(() => ({ status: 0, body: null }));
    const answered = new Set<number>();
    const first = service;
    const burst = runIds.map((runId, i) =>
      new Promise((resolve) => setTimeout(resolve, i * 2)).then(async () => {
        const response = await complete(first.baseUrl, runId, i);
        if (response.status === 200) answered.add(i);
      }),
    );
    await eventually(
      async () => answered.size,
      (size) => size >= RUNS / 3,
      20_000,
      1,
    );
    await killHard(first);
    await Promise.all(burst);
    expect(answered.size).toBeLessThan(RUNS);

    service = await startServiceProcess(env());
    const second = service;
    // A worker retries what was not acknowledged; completions it already made are answered again, not recorded again.
    for (const [i, runId] of runIds.entries()) {
      const response = await complete(second.baseUrl, runId, i);
      expect(response.status).toBe(200);
      expect(response.body.data.status).toBe('succeeded');
    }
    const db = database.db;
    await eventually(
      async () =>
        (
          await sql<{
            count: number;
          }>`select count(*)::int as count from workflow_run where workflow_slug = 'burst' and status = 'succeeded'`.execute(
            db,
          )
        ).rows[0]!.count,
      (count) => count === RUNS,
      30_000,
      100,
    );
    await eventually(
      async () =>
        (
          await sql<{
            count: number;
          }>`select count(*)::int as count from asset_materialization where asset_id = 'crash.out'`.execute(db)
        ).rows[0]!.count,
      (count) => count >= RUNS,
      30_000,
      100,
    );
    const perRun = await sql<{
      run_id: string;
      n: number;
    }>`select run_id, count(*)::int as n from asset_materialization where asset_id = 'crash.out' group by run_id`.execute(
      db,
    );
    const dbg = await sql<{
      run_id: string;
      partition_key: string;
      event_id: string;
      seq: number;
    }>`select run_id, partition_key, event_id, seq from asset_materialization where run_id in (select run_id from asset_materialization group by run_id having count(*) > 1) order by run_id`.execute(
      db,
    );
    const runsDbg = await sql<{
      id: string;
      status: string;
    }>`select id, status from workflow_run where id not in (select run_id from asset_materialization)`.execute(db);
    console.log(JSON.stringify({ dup: dbg.rows, missing: runsDbg.rows, total: perRun.rows.length }));
    expect(perRun.rows).toHaveLength(RUNS);
    expect(perRun.rows.every((row) => row.n === 1)).toBe(true);
    const partitions = await sql<{
      count: number;
    }>`select count(*)::int as count from asset_partition where asset_id = 'crash.out' and materializations = 1`.execute(
      db,
    );
    expect(partitions.rows[0]!.count).toBe(RUNS);
  });
});
