import { JOB_HANDLERS, type JobHandlerRegistry } from '../../src/jobs/job-handler.js';
import { RUNNER_TOKEN, startTestApp, type TestApp } from '../support/test-app.js';
import { eventually } from '../support/waiting.js';
import { backfillReaching, requestBackfill } from './backfill-fixtures.js';
import { countAutoRuns, register, requestedRunsByPartition, settle } from './materializer-fixtures.js';

/**
 * A failed blocking check stops expiry- and backfill-driven runs downstream of it (issue 20, DESIGN §14): the report
 * reads `blk.up`; while the newest `blk.up` of a partition failed its blocking check, the report's expiry there is
 * held (`blocked-by-check`) and a backfill of that partition is skipped; a passing `blk.up` releases the expiry.
 */
describe('blocking checks stop expiry and backfill triggers downstream', () => {
  let t: TestApp;
  let rowsPass = false;
  const statics = { type: 'static', keys: ['eu', 'us'] };

  beforeAll(async () => {
    t = await startTestApp();
    const handlers = t.app.get<JobHandlerRegistry>(JOB_HANDLERS);
    handlers.register('blk-up-job', async () => ({
      status: 'succeeded',
      result: { assets: [{ assetId: 'blk.up', payload: { n: 1 }, checks: [{ name: 'rows', passed: rowsPass }] }] },
    }));
    handlers.register('blk-down-job', async () => ({
      status: 'succeeded',
      result: { assets: [{ assetId: 'blk.down', payload: { report: true } }] },
    }));
  });
  afterAll(async () => {
    await t.close();
  });

  const run = async (slug: string, partitionKey: string) => {
    const response = await t.request('POST', `/workflows/${slug}/run`, { body: { partitionKey }, token: RUNNER_TOKEN });
    expect(response.status).toBe(202);
    return response.body.data.id as string;
  };
  const runEnded = (runId: string) =>
    eventually(
      () => t.request('GET', `/workflow-runs/${runId}`, { token: null }),
      (response) => response.body?.data?.status === 'succeeded',
      15_000,
    );
  const decisions = async (query: string) =>
    (await t.request('GET', `/workflows/blk-down/auto-materialize?${query}`, { token: null })).body.data
      .decisions as Array<Record<string, unknown>>;

  it('holds the expiry and skips the backfill while the input failed, runs the expiry once it passes', async () => {
    await register(t, {
      slug: 'blk-up',
      name: 'Blocked input',
      steps: [
        {
          id: 'up',
          jobSlug: 'blk-up-job',
          produces: [
            { assetId: 'blk.up', partitioning: statics, checks: [{ name: 'rows', severity: 'error', blocking: true }] },
          ],
        },
      ],
    });
    await register(t, {
      slug: 'blk-down',
      name: 'Report on the input',
      steps: [
        {
          id: 'down',
          jobSlug: 'blk-down-job',
          consumes: [{ assetId: 'blk.up' }],
          produces: [
            {
              assetId: 'blk.down',
              partitioning: statics,
              freshness: { ttlMs: 1000 },
              autoMaterialize: { priority: 1 },
            },
          ],
        },
      ],
    });

    rowsPass = false;
    await runEnded(await run('blk-up', 'eu'));
    await runEnded(await run('blk-up', 'us'));
    await settle(t, ['materializer']);

    // The report of eu expires one second after it was produced: its re-run would read the failed blk.up of eu.
    await runEnded(await run('blk-down', 'eu'));
    const held = await eventually(
      () => decisions('outcome=skipped'),
      (list) => list.some((decision) => decision.partitionKey === 'eu'),
      15_000,
    );
    expect(held.find((decision) => decision.partitionKey === 'eu')).toMatchObject({
      reason: 'blocked-by-check',
      assetId: 'blk.down',
      detail: expect.stringMatching(/rows.*"blk\.up" \(partition eu\).*expiry trigger held/),
    });

    const backfill = await requestBackfill(t, 'blk-down', { partitions: { keys: ['us'] } });
    const done = await backfillReaching(t, 'blk-down', backfill.data.id, ['succeeded', 'failed', 'canceled']);
    expect(done.data.counts).toMatchObject({ total: 1, skipped: 1 });
    const skipped = await decisions('outcome=skipped');
    expect(skipped.find((decision) => decision.partitionKey === 'us')).toMatchObject({
      reason: 'blocked-by-check',
      detail: expect.stringContaining('backfill trigger skipped'),
    });
    await settle(t);
    expect(await countAutoRuns(t.platform.db, 'blk-down')).toBe(0);
    expect([...(await requestedRunsByPartition(t.platform.nats, 'blk-down')).entries()]).toEqual([['eu', 1]]);

    rowsPass = true;
    await run('blk-up', 'eu');
    await eventually(
      () => countAutoRuns(t.platform.db, 'blk-down'),
      (n) => n >= 1,
      15_000,
    );
    const enqueued = await decisions('outcome=enqueued');
    expect(enqueued.at(-1)).toMatchObject({ reason: 'expiry', partitionKey: 'eu', assetId: 'blk.down' });
  });
});
