import { ConsumerRegistry } from '../../src/projector/consumer-registry.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { eventually } from '../support/waiting.js';
import {
  backfillReaching,
  completeDispatched,
  driveBackfill,
  getBackfill,
  partitionedWorkflow,
  peakConcurrency,
  requestBackfill,
  requestedRunsByPartition,
} from './backfill-fixtures.js';
import { appendProduced, pairOfWorkflows, producedEnvelope, register } from './materializer-fixtures.js';

const daily = { type: 'timeWindow', granularity: 'day' };
const CAP = 2;

describe('backfills', () => {
  let t: TestApp;
  const runsOf = async (slug: string, query = '') =>
    (await t.request('GET', `/workflows/${slug}/runs?limit=50${query}`, { token: null })).body.data as any[];

  beforeAll(async () => {
    t = await startTestApp({ ASSET_MATERIALIZER_MAX_CONCURRENT_RUNS_PER_WORKFLOW: String(CAP) });
  });
  afterAll(async () => {
    await t.close();
  });

  it('runs every partition of a range exactly once, at most maxConcurrentRuns at a time, and completes', async () => {
    await register(
      t,
      partitionedWorkflow('bf-range', daily, {
        defaultParameters: { mode: 'incremental', region: 'eu' },
        parametersSchema: { type: 'object', properties: { mode: { enum: ['incremental', 'full'] } } },
      }),
    );
    const requested = await requestBackfill(t, 'bf-range', {
      partitions: { from: '2024-03-01', to: '2024-03-06' },
      parameters: { mode: 'full' },
      maxConcurrentRuns: 2,
    });
    expect(requested.data).toMatchObject({
      workflowSlug: 'bf-range',
      assetId: 'bf-range.out',
      status: 'running',
      range: { from: '2024-03-01', to: '2024-03-06' },
      partitionCount: 6,
      maxConcurrentRuns: 2,
      counts: { total: 6, queued: 6 },
      requestedBy: 'runner',
    });
    const id = requested.data.id;

    const done = await driveBackfill(t, 'bf-range', id);
    expect(done.data).toMatchObject({ status: 'succeeded', counts: { total: 6, succeeded: 6, queued: 0, running: 0 } });
    expect(done.data.completedAt).toEqual(expect.any(String));
    expect(await peakConcurrency(t.platform.db, 'bf-range')).toBe(2);
    const perPartition = await requestedRunsByPartition(t.platform.nats, 'bf-range');
    expect([...perPartition.entries()].sort()).toEqual(
      ['2024-03-01', '2024-03-02', '2024-03-03', '2024-03-04', '2024-03-05', '2024-03-06'].map((key) => [key, 1]),
    );
    const [run] = await runsOf('bf-range', '&partitionKey=2024-03-04');
    expect(run).toMatchObject({
      status: 'succeeded',
      triggeredBy: 'asset-materializer',
      trigger: { type: 'backfill', backfillId: id, backfillIds: [id], partitionKey: '2024-03-04' },
      parameters: { mode: 'full', region: 'eu', partitionKey: '2024-03-04', windowStart: '2024-03-04T00:00:00.000Z' },
    });

    const first = await getBackfill(t, 'bf-range', id, '?limit=4');
    expect(first.data.partitions.map((p: any) => [p.partitionKey, p.status])).toEqual([
      ['2024-03-01', 'succeeded'],
      ['2024-03-02', 'succeeded'],
      ['2024-03-03', 'succeeded'],
      ['2024-03-04', 'succeeded'],
    ]);
    expect(first.data.partitions[3]).toMatchObject({ runId: run.id, position: 3 });
    const second = await getBackfill(t, 'bf-range', id, `?limit=4&cursor=${first.meta.nextCursor}`);
    expect(second.data.partitions.map((p: any) => p.partitionKey)).toEqual(['2024-03-05', '2024-03-06']);
    expect(second.meta.nextCursor).toBeNull();
  });

  it("queues backfill runs behind the workflow's concurrency cap", async () => {
    await register(t, partitionedWorkflow('bf-cap', { type: 'static', keys: ['a', 'b', 'c', 'd', 'e'] }));
    const { data } = await requestBackfill(t, 'bf-cap', {
      partitions: { keys: ['a', 'b', 'c', 'd', 'e'] },
      maxConcurrentRuns: 5,
    });
    const runs = await eventually(
      () => runsOf('bf-cap'),
      (list) => list.length === 5 && list.filter((run) => run.status === 'running').length === CAP,
    );
    expect(runs.filter((run) => run.status === 'pending')).toHaveLength(5 - CAP);
    const progress = await eventually(
      () => getBackfill(t, 'bf-cap', data.id),
      (body) => body?.data.counts.running === 5,
    );
    expect(progress.data.counts).toMatchObject({ queued: 0, requested: 0, running: 5 });
    const done = await driveBackfill(t, 'bf-cap', data.id);
    expect(done.data.counts.succeeded).toBe(5);
    expect(await peakConcurrency(t.platform.db, 'bf-cap')).toBe(5);
    // Never more than CAP runs between their start and their end at once (stream order of their own events).
    const edges: Array<[number, number]> = [];
    for (const run of await runsOf('bf-cap')) {
      for (const event of await t.platform.store.readSubject(t.platform.store.subjects.run('bf-cap', run.id))) {
        if (event.type === 'workflow.run.started') edges.push([event.seq, 1]);
        if (event.type === 'workflow.run.succeeded') edges.push([event.seq, -1]);
      }
    }
    expect(edges).toHaveLength(10);
    edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let active = 0;
    let peak = 0;
    for (const [, delta] of edges) peak = Math.max(peak, (active += delta));
    expect(peak).toBe(CAP);
  });

  it('coalesces a partition with an auto run in flight: one follow-up run serves the backfill, never two at once', async () => {
    const pair = pairOfWorkflows('bfco', { partitioning: daily });
    await register(t, pair.upstream);
    await register(t, pair.downstream);
    await appendProduced(
      t.platform.store,
      producedEnvelope({ assetId: 'bfco.up', workflowSlug: 'bfco-up', partitionKey: '2024-05-01' }),
    );
    const [auto] = await eventually(
      () => runsOf('bfco-down'),
      (list) => list.length === 1,
    );
    const { data } = await requestBackfill(t, 'bfco-down', {
      partitions: { keys: ['2024-05-01'] },
      parameters: { mode: 'full' },
    });
    const waiting = await eventually(
      () => getBackfill(t, 'bfco-down', data.id),
      (body) => body?.data.partitions[0].status === 'waiting',
    );
    expect(waiting.data.partitions[0].detail).toContain(auto.id);
    expect(await runsOf('bfco-down')).toHaveLength(1);

    const complete = (runId: string) =>
      t.request('POST', `/workflow-runs/${runId}/steps/down/complete`, {
        body: { status: 'succeeded', result: { assets: [{ assetId: 'bfco.down' }] } },
      });
    await eventually(
      () => runsOf('bfco-down'),
      (list) => list[0].steps[0].status === 'running',
    );
    expect((await complete(auto.id)).status).toBe(200);
    const followUp = await eventually(
      () => runsOf('bfco-down'),
      (list) => list.length === 2 && list[0].steps[0].status === 'running',
    );
    expect(followUp[0]).toMatchObject({
      trigger: { type: 'backfill', backfillId: data.id, followUpOf: auto.id },
      parameters: { mode: 'full', partitionKey: '2024-05-01' },
    });
    const running = await getBackfill(t, 'bfco-down', data.id);
    expect(running.data.partitions[0]).toMatchObject({ status: 'running', runId: followUp[0].id });
    expect((await complete(followUp[0].id)).status).toBe(200);
    const done = await backfillReaching(t, 'bfco-down', data.id, ['succeeded']);
    expect(done.data.counts).toMatchObject({ succeeded: 1, total: 1 });
    expect(await peakConcurrency(t.platform.db, 'bfco-down', 'auto-materialize')).toBe(1);
    expect((await requestedRunsByPartition(t.platform.nats, 'bfco-down')).get('2024-05-01')).toBe(2);
  });

  it('cancels: no further partition is released, runs already requested finish, then the backfill is canceled', async () => {
    await register(t, partitionedWorkflow('bf-cancel', daily));
    const { data } = await requestBackfill(t, 'bf-cancel', {
      partitions: { from: '2024-04-01', to: '2024-04-06' },
      maxConcurrentRuns: 2,
    });
    await eventually(
      () => runsOf('bf-cancel'),
      (list) => list.length === 2 && list.every((run) => run.steps[0].status === 'running'),
    );
    const canceled = await t.request('POST', `/workflows/bf-cancel/backfills/${data.id}/cancel`, {
      body: { reason: 'wrong range' },
    });
    expect(canceled.status).toBe(202);
    expect(canceled.body.data).toMatchObject({ id: data.id, status: 'canceling', canceledBy: 'admin' });
    expect(canceled.body.data.counts).toMatchObject({ queued: 0, canceled: 4, running: 2 });
    const again = await t.request('POST', `/workflows/bf-cancel/backfills/${data.id}/cancel`, {});
    expect(again.status).toBe(202);
    expect(again.body.meta.eventSeq).toBe(canceled.body.meta.eventSeq);

    expect(await completeDispatched(t, 'bf-cancel')).toBe(2);
    const done = await backfillReaching(t, 'bf-cancel', data.id, ['canceled']);
    expect(done.data.counts).toMatchObject({ total: 6, succeeded: 2, canceled: 4, queued: 0 });
    await t.app.get(ConsumerRegistry).waitFor('run_history', await t.platform.store.lastSequence(), 10_000);
    expect(await runsOf('bf-cancel')).toHaveLength(2);
    const unreleased = await getBackfill(t, 'bf-cancel', data.id, '?status=canceled');
    expect(unreleased.data.partitions.map((p: any) => p.partitionKey)).toEqual([
      '2024-04-03',
      '2024-04-04',
      '2024-04-05',
      '2024-04-06',
    ]);
    const late = await t.request('POST', `/workflows/bf-cancel/backfills/${data.id}/cancel`, {});
    expect(late.status).toBe(202);
  });

  it('records failed runs and refuses to cancel a backfill that completed', async () => {
    await register(t, partitionedWorkflow('bf-fail', { type: 'dynamic' }));
    const { data } = await requestBackfill(t, 'bf-fail', {
      partitions: { keys: ['x', 'y', 'z'] },
      maxConcurrentRuns: 3,
    });
    const done = await driveBackfill(t, 'bf-fail', data.id, { fail: (key) => key === 'y' });
    expect(done.data).toMatchObject({ status: 'failed', counts: { succeeded: 2, failed: 1 } });
    const failed = await getBackfill(t, 'bf-fail', data.id, '?status=failed');
    expect(failed.data.partitions).toEqual([
      expect.objectContaining({ partitionKey: 'y', detail: expect.any(String) }),
    ]);
    const refused = await t.request('POST', `/workflows/bf-fail/backfills/${data.id}/cancel`, {});
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('backfill_not_active');
  });

  it('lists the backfills of a workflow newest first, with cursor paging', async () => {
    await register(t, partitionedWorkflow('bf-list', { type: 'dynamic' }));
    const ids: string[] = [];
    for (const key of ['k1', 'k2', 'k3']) {
      const { data } = await requestBackfill(t, 'bf-list', { partitions: { keys: [key] } });
      ids.push(data.id);
    }
    const lastSeq = await t.platform.store.lastSequence();
    const first = await t.request('GET', `/workflows/bf-list/backfills?limit=2&minSeq=${lastSeq}`, { token: null });
    expect(first.status).toBe(200);
    expect(first.body.data.map((b: any) => b.id)).toEqual([ids[2], ids[1]]);
    const second = await t.request('GET', `/workflows/bf-list/backfills?limit=2&cursor=${first.body.meta.nextCursor}`, {
      token: null,
    });
    expect(second.body.data.map((b: any) => b.id)).toEqual([ids[0]]);
    expect(second.body.meta.nextCursor).toBeNull();
  });

  describe('bad input', () => {
    beforeAll(async () => {
      await register(
        t,
        partitionedWorkflow('bf-bad-day', daily, {
          parametersSchema: { type: 'object', properties: { mode: { enum: ['full', 'incremental'] } } },
        }),
      );
      await register(t, partitionedWorkflow('bf-bad-static', { type: 'static', keys: ['eu', 'us'] }));
      await register(t, {
        slug: 'bf-bad-plain',
        name: 'plain',
        steps: [{ id: 'make', jobSlug: 'outside-job', produces: [{ assetId: 'plain.out' }] }],
      });
    });

    const post = (slug: string, body: unknown, token?: string | null) =>
      t.request('POST', `/workflows/${slug}/backfills`, { body, ...(token === undefined ? {} : { token }) });

    it.each<[string, unknown, string, string]>([
      ['bf-bad-plain', { partitions: { keys: ['a'] } }, 'workflow_not_partitioned', '/partitions'],
      ['bf-bad-static', { partitions: { from: 'eu', to: 'us' } }, 'invalid_partition_range', '/partitions'],
      [
        'bf-bad-day',
        { partitions: { from: '2024-02-30', to: '2024-03-02' } },
        'invalid_partition_key',
        '/partitions/from',
      ],
      [
        'bf-bad-day',
        { partitions: { from: '2024-03-02', to: '2024-03-01' } },
        'invalid_partition_range',
        '/partitions/to',
      ],
      ['bf-bad-day', { partitions: { from: '2000-01-01', to: '2030-01-01' } }, 'too_many_partitions', '/partitions'],
      ['bf-bad-day', { partitions: { from: '2024-03-01' } }, 'invalid_request', '/partitions/to'],
      [
        'bf-bad-day',
        { partitions: { from: '2024-03-01', to: '2024-03-02', keys: ['2024-03-01'] } },
        'invalid_request',
        '/partitions',
      ],
      ['bf-bad-day', { partitions: {} }, 'invalid_request', '/partitions'],
      ['bf-bad-static', { partitions: { keys: ['eu', 'asia'] } }, 'invalid_partition_key', '/partitions/keys/1'],
      ['bf-bad-static', { partitions: { keys: ['eu', 'us', ' eu '] } }, 'invalid_partition_key', '/partitions/keys/2'],
      ['bf-bad-static', { partitions: { keys: [] } }, 'invalid_request', '/partitions/keys'],
      [
        'bf-bad-static',
        { partitions: { keys: Array.from({ length: 10_001 }, (_, i) => `k${i}`) } },
        'too_many_partitions',
        '/partitions/keys',
      ],
      [
        'bf-bad-static',
        { partitions: { keys: ['eu'] }, maxConcurrentRuns: 0 },
        'invalid_request',
        '/maxConcurrentRuns',
      ],
      [
        'bf-bad-static',
        { partitions: { keys: ['eu'] }, maxConcurrentRuns: 1.5 },
        'invalid_request',
        '/maxConcurrentRuns',
      ],
      ['bf-bad-static', { partitions: { keys: ['eu'] }, extra: true }, 'invalid_request', '/extra'],
      ['bf-bad-static', { partitions: { keys: ['eu'], start: 'x' } }, 'invalid_request', '/partitions/start'],
      [
        'bf-bad-day',
        { partitions: { keys: ['2024-03-01'] }, parameters: { mode: 'fast' } },
        'invalid_parameters',
        '/parameters/mode',
      ],
      ['bf-bad-day', { partitions: { keys: ['2024-03-01'] }, parameters: 'full' }, 'invalid_request', '/parameters'],
    ])('refuses a request to %s (%#) with %s at %s, recording nothing', async (slug, body, code, path) => {
      const before = await t.platform.store.lastSequence();
      const response = await post(slug, body);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body.code).toBe(code);
      expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(path);
      expect(await t.platform.store.lastSequence()).toBe(before);
    });

    it('answers 404 for an unknown workflow or backfill, 401/403 without the scope', async () => {
      expect((await post('no-such-workflow', { partitions: { keys: ['a'] } })).body.code).toBe('workflow_not_found');
      expect((await post('bf-bad-static', { partitions: { keys: ['eu'] } }, null)).status).toBe(401);
      expect((await post('bf-bad-static', { partitions: { keys: ['eu'] } }, 'reader-token-0001')).status).toBe(403);
      for (const id of ['01a23bdc-5851-704d-9ee3-9db3395cbfda', 'not*a.token']) {
        const get = await t.request('GET', `/workflows/bf-bad-static/backfills/${encodeURIComponent(id)}`, {
          token: null,
        });
        expect(get.status).toBe(404);
        expect(get.body.code).toBe('backfill_not_found');
        const cancel = await t.request(
          'POST',
          `/workflows/bf-bad-static/backfills/${encodeURIComponent(id)}/cancel`,
          {},
        );
        expect(cancel.status).toBe(404);
        expect(cancel.body.code).toBe('backfill_not_found');
      }
    });

    it('refuses bad query values', async () => {
      const { data, meta } = await requestBackfill(t, 'bf-bad-static', { partitions: { keys: ['eu'] } });
      const found = await t.request('GET', `/workflows/bf-bad-static/backfills/${data.id}?minSeq=${meta.eventSeq}`, {
        token: null,
      });
      expect(found.status).toBe(200);
      for (const query of ['?limit=0', '?limit=501', '?cursor=nope', '?status=done', '?minSeq=-1']) {
        const response = await t.request('GET', `/workflows/bf-bad-static/backfills/${data.id}${query}`, {
          token: null,
        });
        expect([query, response.status]).toEqual([query, 400]);
      }
      for (const query of ['?limit=51', '?cursor=%%%', '?status=queued']) {
        const response = await t.request('GET', `/workflows/bf-bad-static/backfills${query}`, { token: null });
        expect([query, response.status]).toEqual([query, 400]);
      }
    });
  });
});
