import { JOB_HANDLERS, type JobHandlerRegistry } from '../../src/jobs/job-handler.js';
import { RUNNER_TOKEN, startTestApp, WRITER_TOKEN, type TestApp } from '../support/test-app.js';
import { eventually } from '../support/waiting.js';

const countSchema = { type: 'object', properties: { count: { type: 'number' } }, required: ['count'] };

describe('runs over HTTP', () => {
  let t: TestApp;
  const getRun = (runId: string) =>
    t.request('GET', `/workflow-runs/${runId}`, { token: null }).then((r) => r.body.data);
  const waitForRun = (runId: string, done: (run: any) => boolean) => eventually(() => getRun(runId), done);
  const register = async (body: object) => {
    const response = await t.request('POST', '/workflows', { body, token: WRITER_TOKEN });
    expect(response.status).toBe(201);
    return response.body.data;
  };
  const run = (slug: string, body: object = {}) =>
    t.request('POST', `/workflows/${slug}/run`, { body, token: RUNNER_TOKEN });

  beforeAll(async () => {
    t = await startTestApp();
    const handlers = t.app.get<JobHandlerRegistry>(JOB_HANDLERS);
    handlers.register('count-job', async (context) => ({
      status: 'succeeded',
      result: {
        files: [],
        assets: [{ assetId: 'demo.count', payload: { count: (context.parameters.count as number) ?? 0 } }],
      },
    }));
    handlers.register('flaky-job', async (context) =>
      context.attempt < 2 ? { status: 'failed', error: 'first attempt fails' } : { status: 'succeeded', result: {} },
    );
  });
  afterAll(async () => {
    await t.close();
  });

  it('runs an in-process job step and records its asset', async () => {
    await register({
      slug: 'inproc',
      name: 'In process',
      defaultParameters: { count: 1, nested: { a: 1, b: 2 } },
      steps: [{ id: 'count', jobSlug: 'count-job', produces: [{ assetId: 'demo.count', schema: countSchema }] }],
    });
    const requested = await run('inproc', { parameters: { count: 7, nested: { b: 3 } } });
    expect(requested.status).toBe(202);
    expect(requested.body.data).toMatchObject({
      status: 'pending',
      trigger: { type: 'manual' },
      parameters: { count: 7, nested: { a: 1, b: 3 } },
    });
    const done = await waitForRun(requested.body.data.id, (r) => r.status === 'succeeded');
    expect(done.steps[0]).toMatchObject({
      stepId: 'count',
      status: 'succeeded',
      attempt: 1,
      producedAssets: [{ assetId: 'demo.count', partitionKey: null }],
    });
    const list = await t.request('GET', `/workflows/inproc/runs?minSeq=0`, { token: null });
    expect(list.status).toBe(200);
  });

  it('lets an external worker complete a step over HTTP, idempotently', async () => {
    await register({
      slug: 'external',
      name: 'External',
      steps: [
        { id: 'first', jobSlug: 'outside-job', produces: [{ assetId: 'ext.first', schema: countSchema }] },
        { id: 'second', jobSlug: 'outside-job', dependsOn: ['first'] },
      ],
    });
    const runId = (await run('external')).body.data.id;
    await waitForRun(runId, (r) => r.steps[0].status === 'running');
    const early = await t.request('POST', `/workflow-runs/${runId}/steps/second/complete`, {
      body: { status: 'succeeded' },
      token: RUNNER_TOKEN,
    });
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('step_not_dispatched');
    const stale = await t.request('POST', `/workflow-runs/${runId}/steps/first/complete`, {
      body: { status: 'succeeded', attempt: 3 },
      token: RUNNER_TOKEN,
    });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('stale_attempt');

    const body = {
      status: 'succeeded',
      result: {
        assets: [
          { assetId: 'ext.first', payload: { count: 3 } },
          { assetId: 'not.declared', payload: {} },
        ],
      },
    };
    const first = await t.request('POST', `/workflow-runs/${runId}/steps/first/complete`, {
      body,
      token: RUNNER_TOKEN,
    });
    expect(first.status).toBe(200);
    expect(first.body.data).toEqual({ runId, stepId: 'first', attempt: 1, status: 'succeeded' });
    const again = await t.request('POST', `/workflow-runs/${runId}/steps/first/complete`, {
      body,
      token: RUNNER_TOKEN,
    });
    expect(again.status).toBe(200);
    expect(again.body.data).toEqual(first.body.data);
    expect(again.body.meta.eventSeq).toBe(first.body.meta.eventSeq);
    expect(again.body.meta.duplicate).toBe(true);

    const afterFirst = await waitForRun(runId, (r) => r.steps[1].status === 'running');
    expect(afterFirst.steps[0].warnings).toEqual([
      expect.objectContaining({ code: 'undeclared_asset', assetId: 'not.declared' }),
    ]);
    await t.request('POST', `/workflow-runs/${runId}/steps/second/complete`, {
      body: { status: 'succeeded' },
      token: RUNNER_TOKEN,
    });
    await waitForRun(runId, (r) => r.status === 'succeeded');
  });

  it('fails the step when the payload breaks the declared schema, recording nothing', async () => {
    await register({
      slug: 'schema-check',
      name: 'Schema',
      steps: [{ id: 's', jobSlug: 'outside-job', produces: [{ assetId: 'schema.checked', schema: countSchema }] }],
    });
    const runId = (await run('schema-check')).body.data.id;
    await waitForRun(runId, (r) => r.steps[0].status === 'running');
    const answer = await t.request('POST', `/workflow-runs/${runId}/steps/s/complete`, {
      body: { status: 'succeeded', result: { assets: { 'schema.checked': { payload: { count: 'many' } } } } },
      token: RUNNER_TOKEN,
    });
    expect(answer.status).toBe(200);
    expect(answer.body.data.status).toBe('failed');
    const failed = await waitForRun(runId, (r) => r.status === 'failed');
    expect(failed.steps[0].error.code).toBe('asset_schema_violation');
    expect(failed.steps[0].producedAssets).toEqual([]);
    const malformed = await t.request('POST', `/workflow-runs/${runId}/steps/s/complete`, {
      body: { status: 'succeeded', extra: 1 },
      token: RUNNER_TOKEN,
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors[0].path).toBe('/extra');
  });

  it('validates partition keys, parameters and run keys before appending anything', async () => {
    await register({
      slug: 'partitioned',
      name: 'Partitioned',
      parametersSchema: { type: 'object', properties: { limit: { type: 'integer' } } },
      steps: [
        {
          id: 'p',
          jobSlug: 'outside-job',
          produces: [{ assetId: 'part.daily', partitioning: { type: 'timeWindow', granularity: 'day' } }],
        },
      ],
    });
    const missing = await run('partitioned');
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe('partition_key_required');
    const invalid = await run('partitioned', { partitionKey: '2024-02-31' });
    expect(invalid.body.code).toBe('invalid_partition_key');
    expect(invalid.body.assetId).toBe('part.daily');
    const params = await run('partitioned', { partitionKey: '2024-02-29', parameters: { limit: 'ten' } });
    expect(params.status).toBe(400);
    expect(params.body.code).toBe('invalid_parameters');
    const ok = await run('partitioned', { partitionKey: '2024-02-29', runKey: 'daily-2024-02-29' });
    expect(ok.status).toBe(202);
    const conflict = await run('partitioned', { partitionKey: '2024-02-29', runKey: 'daily-2024-02-29' });
    expect(conflict.status).toBe(409);
    expect(conflict.body.code).toBe('run_key_conflict');
    expect(conflict.body.run.id).toBe(ok.body.data.id);
    const canceled = await t.request('POST', `/workflow-runs/${ok.body.data.id}/cancel`, {
      body: {},
      token: RUNNER_TOKEN,
    });
    expect(canceled.status).toBe(202);
    expect(canceled.body.data.status).toBe('canceled');
    const reused = await eventually(
      () => run('partitioned', { partitionKey: '2024-02-29', runKey: 'daily-2024-02-29' }),
      (r) => r.status === 202,
    );
    expect(reused.body.data.id).not.toBe(ok.body.data.id);
    expect(
      (await t.request('POST', `/workflow-runs/${ok.body.data.id}/cancel`, { body: {}, token: RUNNER_TOKEN })).body
        .code,
    ).toBe('run_not_active');
  });

  it('retries a failed step with backoff', async () => {
    await register({
      slug: 'flaky',
      name: 'Flaky',
      steps: [{ id: 'f', jobSlug: 'flaky-job', retries: 2, retryBackoffMs: 50 }],
    });
    const runId = (await run('flaky')).body.data.id;
    const done = await waitForRun(runId, (r) => r.status === 'succeeded');
    expect(done.steps[0].attempt).toBe(2);
  });

  it('times a step out and fails the run', async () => {
    await register({ slug: 'slow', name: 'Slow', steps: [{ id: 'never', jobSlug: 'outside-job', timeoutMs: 200 }] });
    const runId = (await run('slow')).body.data.id;
    const failed = await waitForRun(runId, (r) => r.status === 'failed');
    expect(failed.steps[0].error.code).toBe('step_timeout');
    const late = await t.request('POST', `/workflow-runs/${runId}/steps/never/complete`, {
      body: { status: 'succeeded' },
      token: RUNNER_TOKEN,
    });
    expect(late.status).toBe(200);
    expect(late.body.data.status).toBe('failed');
  });

  it('answers 404 for unknown runs and steps, 401/403 without the run scope', async () => {
    expect((await t.request('GET', '/workflow-runs/nope', { token: null })).body.code).toBe('run_not_found');
    expect((await run('nope')).body.code).toBe('workflow_not_found');
    expect((await t.request('POST', '/workflows/inproc/run', { body: {}, token: null })).status).toBe(401);
    expect((await t.request('POST', '/workflows/inproc/run', { body: {}, token: WRITER_TOKEN })).status).toBe(403);
    const runId = (await run('external')).body.data.id;
    const unknownStep = await t.request('POST', `/workflow-runs/${runId}/steps/zzz/complete`, {
      body: { status: 'succeeded' },
      token: RUNNER_TOKEN,
    });
    expect(unknownStep.status).toBe(404);
    expect(unknownStep.body.code).toBe('step_not_found');
  });
});
