import { inFlightSnapshot } from '../../src/materializer/state/materializer.snapshots.js';
import { ReconciliationSweep } from '../../src/materializer/reconciliation-sweep.js';
import { ConsumerRegistry } from '../../src/projector/consumer-registry.js';
import { RUNNER_TOKEN, startTestApp, type TestApp } from '../support/test-app.js';
import { eventually } from '../support/waiting.js';
import { appendProduced, pairOfWorkflows, producedEnvelope, register, settleRuns } from './materializer-fixtures.js';

const daily = { type: 'timeWindow', granularity: 'day' };

describe('materializer and operator actions', () => {
  let t: TestApp;
  const autoRuns = (slug: string, query = '') =>
    t.request('GET', `/workflows/${slug}/auto-materialize${query}`, { token: null }).then((r) => r.body.data.runs);

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('reruns a producer for a partition an operator marked stale with ?trigger=true', async () => {
    await register(t, {
      slug: 'stale-wf',
      name: 'Stale',
      steps: [{ id: 'make', jobSlug: 'outside-job', produces: [{ assetId: 'stale.asset', partitioning: daily }] }],
    });
    const mark = (trigger: boolean) =>
      t.request('POST', `/workflows/stale-wf/assets/stale.asset/stale?trigger=${trigger}`, {
        body: { partitionKey: '2024-03-01' },
        token: RUNNER_TOKEN,
      });
    expect((await mark(false)).status).toBe(201);
    expect((await mark(true)).status).toBe(201);
    const [run] = await eventually(
      () => autoRuns('stale-wf'),
      (runs) => runs.length === 1,
    );
    expect(run).toMatchObject({
      partitionKey: '2024-03-01',
      parameters: { partitionKey: '2024-03-01', windowStart: '2024-03-01T00:00:00.000Z' },
      trigger: { reason: 'stale-mark', assetId: 'stale.asset' },
    });
    await settleRuns(t);
    expect(await autoRuns('stale-wf')).toHaveLength(1);
  });

  it('merges partition parameters an operator saved into auto runs of that partition', async () => {
    const pair = pairOfWorkflows('params', { partitioning: daily });
    await register(t, pair.upstream);
    await register(t, pair.downstream);
    const saved = await t.request('PUT', '/workflows/params-down/assets/params.down/partition-parameters', {
      body: { partitionKey: '2024-03-02', parameters: { region: 'us', extra: { depth: 2 } } },
      token: RUNNER_TOKEN,
    });
    expect(saved.status).toBe(200);
    await appendProduced(
      t.platform.store,
      producedEnvelope({ assetId: 'params.up', workflowSlug: 'params-up', partitionKey: '2024-03-02' }),
    );
    const [run] = await eventually(
      () => autoRuns('params-down'),
      (runs) => runs.length === 1,
    );
    expect(run.parameters).toEqual({
      environment: 'production',
      region: 'us',
      extra: { depth: 2 },
      partitionKey: '2024-03-02',
      windowStart: '2024-03-02T00:00:00.000Z',
      windowEnd: '2024-03-03T00:00:00.000Z',
    });
  });

  it('reconciles an in-flight run that never came to exist and releases its follow-up (B7)', async () => {
    const pair = pairOfWorkflows('ghost');
    await register(t, pair.upstream);
    await register(t, pair.downstream);
    await appendProduced(t.platform.store, producedEnvelope({ assetId: 'ghost.up', workflowSlug: 'ghost-up' }));
    await settleRuns(t);
    // Simulate a claim whose run is gone: point the in-flight entry at a run id that has no events. The
    // materializer keeps its state in memory while it runs, so it is stopped (writing its state back) and started
    // again (reading the edited state).
    const materializer = t.app.get(ConsumerRegistry).runner('materializer')!;
    await materializer.stop();
    const db = t.platform.db;
    const target = await db
      .selectFrom('materializer_target')
      .select(['in_flight'])
      .where('workflow_slug', '=', 'ghost-down')
      .executeTakeFirstOrThrow();
    await db
      .updateTable('materializer_target')
      .set({
        in_flight: JSON.stringify(
          inFlightSnapshot.encode({ ...inFlightSnapshot.decode(target.in_flight), runId: 'ghost-run' }),
        ),
      })
      .where('workflow_slug', '=', 'ghost-down')
      .execute();
    await db
      .insertInto('materializer_run')
      .values({
        run_id: 'ghost-run',
        workflow_slug: 'ghost-down',
        partition_key: null,
        chain: JSON.stringify(['ghost-up', 'ghost-down']),
        status: 'requested',
      })
      .execute();
    materializer.start();
    await appendProduced(t.platform.store, producedEnvelope({ assetId: 'ghost.up', workflowSlug: 'ghost-up' }));
    await settleRuns(t);
    expect(await autoRuns('ghost-down')).toHaveLength(1);
    await materializer.stop();
    materializer.start();
    await eventually(
      async () => materializer.isLeader,
      (leader) => leader,
    );

    const { db: database, store, events, instanceId, log } = t.platform;
    const sweep = new ReconciliationSweep({
      db: database,
      store,
      leases: events.leases,
      instanceId,
      intervalMs: 1000,
      maxClaimAgeMs: 3_600_000,
      log,
    });
    expect(await sweep.sweep(new Date(Date.now() + 60_000))).toBe(1);
    const runs = await eventually(
      () => autoRuns('ghost-down'),
      (list) => list.length === 2,
    );
    expect(runs[0].trigger).toMatchObject({ followUpOf: 'ghost-run', coalesced: 1 });
  });
});
