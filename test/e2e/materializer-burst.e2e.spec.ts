import { pendingSnapshot } from '../../src/materializer/state/materializer.snapshots.js';
import { eventually } from '../support/waiting.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import {
  appendProduced,
  autoRunsByPartition,
  pairOfWorkflows,
  producedEnvelope,
  register,
  settleRuns,
} from './materializer-fixtures.js';

describe('materializer under a burst of upstream partitions', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('requests exactly one downstream run per partition for 100 partitions produced back to back', async () => {
    const pair = pairOfWorkflows('burst', { partitioning: { type: 'dynamic' } });
    await register(t, pair.upstream);
    await register(t, pair.downstream);
    const keys = Array.from({ length: 100 }, (_, i) => `p-${String(i).padStart(3, '0')}`);
    for (const key of keys)
      await appendProduced(
        t.platform.store,
        producedEnvelope({ assetId: 'burst.up', workflowSlug: 'burst-up', partitionKey: key }),
      );
    await settleRuns(t);
    const runs = await autoRunsByPartition(t.platform.db, 'burst-down');
    expect([...runs.keys()].sort()).toEqual(keys);
    expect([...runs.values()].every((count) => count === 1)).toBe(true);
    const decisions = await t.platform.db
      .selectFrom('auto_materialize_decision')
      .select(['outcome'])
      .where('workflow_slug', '=', 'burst-down')
      .execute();
    expect(decisions.filter((d) => d.outcome === 'enqueued')).toHaveLength(100);
  });

  it('maps hourly upstream windows onto the daily target window, coalescing the hours of one day', async () => {
    const up = {
      slug: 'hours-up',
      name: 'Hours',
      steps: [
        {
          id: 'up',
          jobSlug: 'outside-job',
          produces: [{ assetId: 'hours.up', partitioning: { type: 'timeWindow', granularity: 'hour' } }],
        },
      ],
    };
    const down = {
      slug: 'days-down',
      name: 'Days',
      steps: [
        {
          id: 'down',
          jobSlug: 'outside-job',
          consumes: [{ assetId: 'hours.up' }],
          produces: [
            {
              assetId: 'days.down',
              partitioning: { type: 'timeWindow', granularity: 'day' },
              autoMaterialize: { onUpstreamUpdate: true },
            },
          ],
        },
      ],
    };
    await register(t, up);
    await register(t, down);
    for (const hour of ['2024-01-05T01', '2024-01-05T02', '2024-01-05T03', '2024-01-06T00']) {
      await appendProduced(
        t.platform.store,
        producedEnvelope({ assetId: 'hours.up', workflowSlug: 'hours-up', partitionKey: hour }),
      );
    }
    await settleRuns(t);
    expect(Object.fromEntries(await autoRunsByPartition(t.platform.db, 'days-down'))).toEqual({
      '2024-01-05': 1,
      '2024-01-06': 1,
    });
    // The materializer writes its state back shortly after a batch (not in the batch's path).
    const pending = await eventually(
      () =>
        t.platform.db
          .selectFrom('materializer_target')
          .select(['partition_key', 'pending'])
          .where('workflow_slug', '=', 'days-down')
          .where('partition_key', '=', '2024-01-05')
          .executeTakeFirst(),
      (row) => !!row?.pending && pendingSnapshot.decode(row.pending).coalesced === 2,
    );
    expect(pendingSnapshot.decode(pending!.pending)).toMatchObject({ coalesced: 2, partitionKey: '2024-01-05' });
  });

  it('skips a key the target cannot take, recording why', async () => {
    const up = {
      slug: 'mis-up',
      name: 'Static',
      steps: [
        {
          id: 'up',
          jobSlug: 'outside-job',
          produces: [{ assetId: 'mis.up', partitioning: { type: 'static', keys: ['a', 'b'] } }],
        },
      ],
    };
    const down = {
      slug: 'mis-down',
      name: 'Daily',
      steps: [
        {
          id: 'down',
          jobSlug: 'outside-job',
          consumes: [{ assetId: 'mis.up' }],
          produces: [
            {
              assetId: 'mis.down',
              partitioning: { type: 'timeWindow', granularity: 'day' },
              autoMaterialize: { onUpstreamUpdate: true },
            },
          ],
        },
      ],
    };
    await register(t, up);
    await register(t, down);
    await appendProduced(
      t.platform.store,
      producedEnvelope({ assetId: 'mis.up', workflowSlug: 'mis-up', partitionKey: 'a' }),
    );
    await settleRuns(t);
    const view = await t.request('GET', '/workflows/mis-down/auto-materialize', { token: null });
    expect(view.body.data.runs).toEqual([]);
    expect(view.body.data.decisions).toEqual([
      expect.objectContaining({ outcome: 'skipped', reason: 'partition_mismatch', partitionKey: 'a', runId: null }),
    ]);
  });
});
