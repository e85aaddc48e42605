import { READER_TOKEN, RUNNER_TOKEN, startTestApp, WRITER_TOKEN, type TestApp } from '../support/test-app.js';

const definition = (defaultParameters: Record<string, unknown>, stepIds: string[]) => ({
  slug: 'wf-rerun',
  name: 'Re-runs',
  defaultParameters,
  parametersSchema: { type: 'object', properties: { limit: { type: 'integer' } } },
  steps: stepIds.map((id) => ({
    id,
    jobSlug: 'ext-rerun',
    produces:
      id === 'produce' ? [{ assetId: 'rerun.report', partitioning: { type: 'static', keys: ['eu', 'us'] } }] : [],
  })),
});

describe('re-run from a run: POST /workflow-runs/:runId/rerun', () => {
  let t: TestApp;
  let original: { id: string; parameters: Record<string, unknown> };
  const rerun = (runId: string, body?: unknown, token: string = RUNNER_TOKEN) =>
    t.request('POST', `/workflow-runs/${runId}/rerun`, { ...(body === undefined ? {} : { body }), token });

  beforeAll(async () => {
    t = await startTestApp();
    const created = await t.request('POST', '/workflows', {
      body: definition({ source: 'v1' }, ['produce']),
      token: WRITER_TOKEN,
    });
    expect(created.status).toBe(201);
    const requested = await t.request('POST', '/workflows/wf-rerun/run', {
      body: { partitionKey: 'eu', parameters: { limit: 5, filters: { region: 'north' } } },
      token: RUNNER_TOKEN,
    });
    expect(requested.status).toBe(202);
    original = requested.body.data;
  });
  afterAll(async () => {
    await t.close();
  });

  it("requests a new run with the original's parameters and partition, linked in its trigger", async () => {
    const response = await rerun(original.id);
    expect(response.status).toBe(202);
    expect(response.headers.get('location')).toBe(`/workflow-runs/${response.body.data.id}`);
    expect(response.headers.get('apphub-event-seq')).toBe(String(response.body.meta.eventSeq));
    expect(response.body.data).toMatchObject({
      workflowSlug: 'wf-rerun',
      partitionKey: 'eu',
      parameters: { source: 'v1', limit: 5, filters: { region: 'north' } },
      trigger: { type: 'rerun', runId: original.id, workflowVersion: 1 },
    });
    expect(response.body.data.id).not.toBe(original.id);
    // The run's first event (the executor may already have started it).
    const stored = await t.platform.store.readFirst(t.platform.nats.subjects.run('wf-rerun', response.body.data.id));
    expect(stored).toMatchObject({ type: 'workflow.run.requested', data: { trigger: { type: 'rerun' } } });
  });

  it("runs the workflow's current definition, with overrides merged over the original", async () => {
    const updated = await t.request('PUT', '/workflows/wf-rerun', {
      body: definition({ source: 'v2', added: true }, ['produce', 'publish']),
      token: WRITER_TOKEN,
    });
    expect(updated.status).toBe(200);
    const response = await rerun(original.id, { partitionKey: 'us', parameters: { filters: { city: 'x' } } });
    expect(response.status).toBe(202);
    expect(response.body.data).toMatchObject({
      partitionKey: 'us',
      parameters: { source: 'v1', added: true, limit: 5, filters: { region: 'north', city: 'x' } },
    });
    expect(response.body.data.steps.map((step: { stepId: string }) => step.stepId)).toEqual(['produce', 'publish']);
  });

  it('refuses bad overrides, unknown runs and missing scopes like a run request', async () => {
    const badKey = await rerun(original.id, { partitionKey: 'asia' });
    expect(badKey.status).toBe(400);
    expect(badKey.body.code).toBe('invalid_partition_key');
    const badParameters = await rerun(original.id, { parameters: { limit: 'many' } });
    expect(badParameters.status).toBe(400);
    expect(badParameters.body.code).toBe('invalid_parameters');
    const unknownField = await rerun(original.id, { partition: 'eu' });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.errors[0].path).toBe('/partition');
    expect((await rerun('01890000-0000-7000-8000-000000000000')).status).toBe(404);
    expect((await rerun('not-a-run-id')).status).toBe(404);
    expect((await rerun(original.id, undefined, READER_TOKEN)).status).toBe(403);
  });
});
