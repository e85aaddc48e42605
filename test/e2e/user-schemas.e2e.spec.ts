import { toEnvelope } from '../../src/events/envelope.js';
import { JOB_HANDLERS, type JobHandlerRegistry } from '../../src/jobs/job-handler.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { eventually } from '../support/waiting.js';

const EVIL = `${'a'.repeat(28)}!`;

describe('user JSON Schemas over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const getRun = async (runId: string) =>
    (await t.request('GET', `/workflow-runs/${runId}`, { token: null })).body.data;
  const runningStep = (runId: string, stepId: string) =>
    eventually(
      () => getRun(runId),
      (run) => run?.steps?.find((step: { stepId: string }) => step.stepId === stepId)?.status === 'running',
      15_000,
    );

  const withIdSchemas = (slug: string, required: string) => ({
    slug,
    name: 'Schemas with $id',
    parametersSchema: { $id: 'https://example.com/params.json', type: 'object', required: [required] },
    steps: [
      {
        id: 'produce',
        jobSlug: 'external-job',
        produces: [{ assetId: `${slug}.out`, schema: { $id: 'https://example.com/params.json', type: 'object' } }],
      },
    ],
  });

  it('runs workflows whose schemas have a root $id, after a PUT and when two workflows share the $id', async () => {
    expect((await t.request('POST', '/workflows', { body: withIdSchemas('ids-a', 'day') })).status).toBe(201);
    expect((await t.request('POST', '/workflows/ids-a/run', { body: { parameters: { day: 1 } } })).status).toBe(202);
    const put = await t.request('PUT', '/workflows/ids-a', { body: withIdSchemas('ids-a', 'week') });
    expect(put.status).toBe(200);
    expect((await t.request('POST', '/workflows/ids-a/run', { body: { parameters: { week: 1 } } })).status).toBe(202);
    const refused = await t.request('POST', '/workflows/ids-a/run', { body: { parameters: { day: 1 } } });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('invalid_parameters');

    expect((await t.request('POST', '/workflows', { body: withIdSchemas('ids-b', 'day') })).status).toBe(201);
    const run = await t.request('POST', '/workflows/ids-b/run', { body: { parameters: { day: 1 } } });
    expect(run.status).toBe(202);
    await runningStep(run.body.data.id, 'produce');
    const completed = await t.request('POST', `/workflow-runs/${run.body.data.id}/steps/produce/complete`, {
      body: { status: 'succeeded', result: { assets: [{ assetId: 'ids-b.out', payload: { n: 1 } }] } },
    });
    expect(completed.status).toBe(200);
    expect(completed.body.data.status).toBe('succeeded');
  });

  it('answers a catastrophic parametersSchema pattern in milliseconds', async () => {
    const body = {
      slug: 'redos-params',
      name: 'ReDoS parameters',
      parametersSchema: { type: 'object', properties: { name: { type: 'string', pattern: '^(a+)+$' } } },
      steps: [{ id: 's', jobSlug: 'external-job' }],
    };
    expect((await t.request('POST', '/workflows', { body })).status).toBe(201);
    const started = performance.now();
    const refused = await t.request('POST', '/workflows/redos-params/run', { body: { parameters: { name: EVIL } } });
    const elapsed = performance.now() - started;
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('invalid_parameters');
    expect(refused.body.errors).toContainEqual(expect.objectContaining({ path: '/parameters/name' }));
    expect(elapsed).toBeLessThan(2000);
    expect((await t.request('GET', '/health/live', { token: null })).status).toBe(200);
  });

  it('answers a catastrophic asset schema pattern in milliseconds, failing the step', async () => {
    const body = {
      slug: 'redos-asset',
      name: 'ReDoS asset',
      steps: [
        {
          id: 's',
          jobSlug: 'external-job',
          produces: [
            {
              assetId: 'redos.out',
              schema: { type: 'object', patternProperties: { '^(a+)+$': { type: 'string', pattern: '^(a+)+$' } } },
            },
          ],
        },
      ],
    };
    expect((await t.request('POST', '/workflows', { body })).status).toBe(201);
    const run = await t.request('POST', '/workflows/redos-asset/run', { body: {} });
    await runningStep(run.body.data.id, 's');
    const started = performance.now();
    const completed = await t.request('POST', `/workflow-runs/${run.body.data.id}/steps/s/complete`, {
      body: {
        status: 'succeeded',
        result: { assets: [{ assetId: 'redos.out', payload: { aaaa: `${'a'.repeat(31)}!` } }] },
      },
    });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(completed.status).toBe(200);
    expect(completed.body.data.status).toBe('failed');
    const step = (await getRun(run.body.data.id)).steps[0];
    expect(step.error.code).toBe('asset_schema_violation');
  });

  it('refuses at registration a pattern the linear-time engine cannot run, naming its path', async () => {
    const refused = await t.request('POST', '/workflows', {
      body: {
        slug: 'backref',
        name: 'Backreference',
        parametersSchema: { type: 'object', properties: { a: { type: 'string', pattern: '(?=x)y' } } },
        steps: [
          {
            id: 's',
            jobSlug: 'j',
            produces: [{ assetId: 'b.out', schema: { type: 'string', pattern: '(a)\\1' } }],
          },
        ],
      },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('invalid_definition');
    expect(refused.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      '/parametersSchema/properties/a/pattern',
      '/steps/0/produces/0/schema/pattern',
    ]);
    // Nothing stored for it (earlier tests' runs may still append their own events to the stream meanwhile).
    expect(await t.platform.store.readLast(t.platform.store.subjects.definition('backref'))).toBeNull();
  });

  /** Registers a workflow, then stores a version whose schema predates the pattern rule, as it would be in the log. */
  async function registerLegacy(slug: string, jobSlug: string, assetId: string): Promise<void> {
    const created = await t.request('POST', '/workflows', {
      body: {
        slug,
        name: 'Legacy',
        steps: [{ id: 's', jobSlug, produces: [{ assetId, schema: { type: 'string' } }] }],
      },
    });
    const workflow = created.body.data;
    const legacy = {
      ...workflow,
      version: workflow.version + 1,
      steps: [{ ...workflow.steps[0], produces: [{ assetId, schema: { type: 'string', pattern: '(a)\\1' } }] }],
    };
    const metadata = { correlationId: 'test', causationId: null, actor: 'test' };
    await t.platform.store.append(
      t.platform.store.subjects.definition(slug),
      [
        toEnvelope(
          { type: 'workflow.definition.updated', data: { workflow: legacy } },
          metadata,
          new Date().toISOString(),
        ),
      ],
      { expectedLastSeq: created.body.meta.eventSeq },
    );
  }

  it('answers 409 workflow_schema_invalid for a run of a stored parametersSchema that cannot compile', async () => {
    const created = await t.request('POST', '/workflows', {
      body: { slug: 'legacy-params', name: 'Legacy parameters', steps: [{ id: 's', jobSlug: 'external-job' }] },
    });
    const workflow = created.body.data;
    const legacy = { ...workflow, version: 2, parametersSchema: { properties: { a: { pattern: '(?=a)b' } } } };
    const metadata = { correlationId: 'test', causationId: null, actor: 'test' };
    await t.platform.store.append(
      t.platform.store.subjects.definition('legacy-params'),
      [
        toEnvelope(
          { type: 'workflow.definition.updated', data: { workflow: legacy } },
          metadata,
          new Date().toISOString(),
        ),
      ],
      { expectedLastSeq: created.body.meta.eventSeq },
    );
    const before = await t.platform.store.lastSequence();
    const refused = await t.request('POST', '/workflows/legacy-params/run', { body: { parameters: { a: 'b' } } });
    expect([refused.status, refused.body.code]).toEqual([409, 'workflow_schema_invalid']);
    expect(refused.body.detail).toMatch(/PUT \/workflows\/legacy-params/);
    expect(await t.platform.store.lastSequence()).toBe(before);
  });

  it('fails the step in the built-in worker too, once (never a re-run loop)', async () => {
    const registry = t.app.get<JobHandlerRegistry>(JOB_HANDLERS);
    let calls = 0;
    registry.register('legacy-handler', async () => {
      calls += 1;
      return { result: { assets: [{ assetId: 'legacy2.out', payload: 'aa' }] } };
    });
    await registerLegacy('legacy-worker', 'legacy-handler', 'legacy2.out');
    const run = await t.request('POST', '/workflows/legacy-worker/run', { body: {} });
    const done = await eventually(
      () => getRun(run.body.data.id),
      (r) => r?.status === 'failed',
      15_000,
    );
    expect(done.steps[0].error.code).toBe('asset_schema_invalid');
    expect(calls).toBe(1);
  });

  it('fails the step when the built-in worker reports more than one event can carry', async () => {
    const registry = t.app.get<JobHandlerRegistry>(JOB_HANDLERS);
    registry.register('huge-handler', async () => ({
      result: { assets: [{ assetId: 'huge.out', payload: 'x'.repeat(t.platform.store.maxEventBytes) }] },
    }));
    await t.request('POST', '/workflows', {
      body: {
        slug: 'huge',
        name: 'Huge',
        steps: [{ id: 's', jobSlug: 'huge-handler', produces: [{ assetId: 'huge.out' }] }],
      },
    });
    const run = await t.request('POST', '/workflows/huge/run', { body: {} });
    const done = await eventually(
      () => getRun(run.body.data.id),
      (r) => r?.status === 'failed',
      15_000,
    );
    expect(done.steps[0].error).toMatchObject({
      code: 'payload_too_large',
      message: expect.stringContaining('max_payload'),
    });
  });

  it('fails the step with a clear error when a stored schema cannot be compiled (never a 500)', async () => {
    await registerLegacy('legacy-schema', 'external-job', 'legacy.out');
    const run = await t.request('POST', '/workflows/legacy-schema/run', { body: {} });
    expect(run.status).toBe(202);
    await runningStep(run.body.data.id, 's');
    const completed = await t.request('POST', `/workflow-runs/${run.body.data.id}/steps/s/complete`, {
      body: { status: 'succeeded', result: { assets: [{ assetId: 'legacy.out', payload: 'aa' }] } },
    });
    expect(completed.status).toBe(200);
    expect(completed.body.data.status).toBe('failed');
    const step = (await getRun(run.body.data.id)).steps[0];
    expect(step.error).toMatchObject({
      code: 'asset_schema_invalid',
      message: expect.stringContaining('cannot be compiled'),
    });
  });
});
