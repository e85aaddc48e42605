import { sql } from 'kysely';
import { allProjections } from '../../projections/index.js';
import { JOB_HANDLERS, type JobHandlerRegistry } from '../jobs/job-handler.js';
import { ConsumerRegistry } from '../projector/consumer-registry.js';
import { rebuildProjection } from './rebuild.js';
import { RUNNER_TOKEN, startTestApp, WRITER_TOKEN, type TestApp } from '../../test/support/test-app.js';
import { eventually } from '../../test/support/waiting.js';

/** Every row of a table in a stable order, as JSON text. */
async function snapshot(t: TestApp, table: string): Promise<string[]> {
  const rows = await sql<{ row: string }>`select row_to_json(t)::text as row from ${sql.table(table)} t`.execute(
    t.platform.db,
  );
  return rows.rows.map((r) => r.row).sort();
}

describe('rebuild', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    t.app.get<JobHandlerRegistry>(JOB_HANDLERS).register('rebuild-job', async (context) => ({
      result: { assets: [{ assetId: 'rebuild.out', payload: { n: context.parameters.n } }] },
    }));
    for (const slug of ['rb-a', 'rb-b']) {
      await t.request('POST', '/workflows', {
        body: {
          slug,
          name: slug,
          steps: [{ id: 's', jobSlug: 'rebuild-job', produces: [{ assetId: 'rebuild.out' }] }],
        },
        token: WRITER_TOKEN,
      });
    }
    const runIds: string[] = [];
    for (let n = 0; n < 6; n++) {
      const response = await t.request('POST', `/workflows/${n % 2 ? 'rb-a' : 'rb-b'}/run`, {
        body: { parameters: { n } },
        token: RUNNER_TOKEN,
      });
      runIds.push(response.body.data.id);
    }
    for (const runId of runIds) {
      await eventually(
        () => t.request('GET', `/workflow-runs/${runId}`, { token: null }),
        (r) => r.body.data.status === 'succeeded',
      );
    }
    // A backfill, so its read model has rows to compare too.
    t.app.get<JobHandlerRegistry>(JOB_HANDLERS).register('rebuild-part-job', async () => ({
      result: { assets: [{ assetId: 'rebuild.part' }] },
    }));
    await t.request('POST', '/workflows', {
      body: {
        slug: 'rb-p',
        name: 'rb-p',
        steps: [
          {
            id: 's',
            jobSlug: 'rebuild-part-job',
            produces: [{ assetId: 'rebuild.part', partitioning: { type: 'dynamic' } }],
          },
        ],
      },
      token: WRITER_TOKEN,
    });
    const backfill = await t.request('POST', '/workflows/rb-p/backfills', {
      body: { partitions: { keys: ['p1', 'p2', 'p3'] }, maxConcurrentRuns: 2 },
      token: RUNNER_TOKEN,
    });
    await eventually(
      () => t.request('GET', `/workflows/rb-p/backfills/${backfill.body.data.id}`, { token: null }),
      (r) => r.body?.data?.status === 'succeeded',
      20_000,
    );
  });
  afterAll(async () => {
    await t.close();
  });

  it('replays every projection into fresh tables equal to the live ones, while the service runs', async () => {
    const last = await t.platform.store.lastSequence();
    const consumers = t.app.get(ConsumerRegistry);
    for (const projection of allProjections) await consumers.waitFor(projection.name, last, 10_000);
    let rowsCompared = 0;
    for (const projection of allProjections) {
      const before = await Promise.all(projection.tables.map((table) => snapshot(t, table)));
      const result = await rebuildProjection(projection, {
        db: t.platform.db,
        events: t.platform.events,
        store: t.platform.store,
        log: t.platform.log,
      });
      expect(result.seq).toBeGreaterThanOrEqual(last);
      const after = await Promise.all(projection.tables.map((table) => snapshot(t, table)));
      expect(after).toEqual(before);
      rowsCompared += before.flat().length;
    }
    expect(rowsCompared).toBeGreaterThan(20);
    // The live runner keeps projecting into the swapped-in tables.
    const response = await t.request('POST', '/workflows/rb-a/run', {
      body: { parameters: { n: 99 } },
      token: RUNNER_TOKEN,
    });
    const runs = await eventually(
      () => t.request('GET', `/workflows/rb-a/runs?minSeq=${response.body.meta.eventSeq}`, { token: null }),
      (r) => r.status === 200 && r.body.data.some((run: { id: string }) => run.id === response.body.data.id),
    );
    expect(runs.body.data.length).toBe(4);
  });
});
