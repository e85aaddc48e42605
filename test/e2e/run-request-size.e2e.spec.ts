import { RUNNER_TOKEN, startTestApp, WRITER_TOKEN, type TestApp } from '../support/test-app.js';
import { eventually } from '../support/waiting.js';
import { backfillReaching, partitionedWorkflow, requestBackfill } from './backfill-fixtures.js';

const KiB = 1024;
const daily = { type: 'timeWindow', granularity: 'day' };
const blob = (key: string, kib: number) => ({ [key]: 'x'.repeat(kib * KiB) });
/** A workflow whose defaults and one asset's parameterDefaults are `kib` KiB each. */
const fatWorkflow = (slug: string, kib: number) => {
  const body = partitionedWorkflow(slug, daily, { defaultParameters: blob('workflow', kib) });
  body.steps[0]!.produces[0] = {
    ...body.steps[0]!.produces[0]!,
    autoMaterialize: { onUpstreamUpdate: false, parameterDefaults: blob('defaults', kib) },
  } as never;
  return body;
};

/**
 * Parameter layers that each fit the body limit but merge into a `workflow.run.requested` above the NATS server's
 * max_payload (1 MiB here): refused at the source with the layers named, and where they still meet (layers set at
 * different times), the materializer skips the trigger instead of retrying it forever (issue 17 item 1).
 */
describe('parameter layers that merge past max_payload', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ APPHUB_MAX_BODY_BYTES: String(960 * KiB) });
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses a definition whose defaults cannot merge into a storable run: 422 naming the layers', async () => {
    const response = await t.request('POST', '/workflows', { body: fatWorkflow('too-fat', 400), token: WRITER_TOKEN });
    expect([response.status, response.body.code]).toEqual([422, 'run_request_too_large']);
    expect(response.body.layers.map((layer: { path: string }) => layer.path)).toEqual(
      expect.arrayContaining(['/defaultParameters', '/steps/0/produces/0/autoMaterialize/parameterDefaults']),
    );
    expect((await t.request('GET', '/workflows/too-fat', { token: null })).status).toBe(404);
  });

  it('refuses stored parameters and a backfill that would merge past the limit, recording nothing', async () => {
    expect((await t.request('POST', '/workflows', { body: fatWorkflow('fat', 200), token: WRITER_TOKEN })).status).toBe(
      201,
    );
    const before = await t.platform.store.lastSequence();
    const stored = await t.request('PUT', '/workflows/fat/assets/fat.out/partition-parameters', {
      body: { partitionKey: '2024-03-01', parameters: blob('stored', 450) },
      token: RUNNER_TOKEN,
    });
    expect([stored.status, stored.body.code, stored.body.layers[0].path]).toEqual([
      422,
      'run_request_too_large',
      '/parameters',
    ]);
    const backfill = await t.request('POST', '/workflows/fat/backfills', {
      body: { partitions: { keys: ['2024-03-01'] }, parameters: blob('backfill', 450) },
      token: RUNNER_TOKEN,
    });
    expect([backfill.status, backfill.body.code, backfill.body.layers[0].path]).toEqual([
      422,
      'run_request_too_large',
      '/parameters',
    ]);
    expect(await t.platform.store.lastSequence()).toBe(before);
  });

  it('skips a partition whose layers, set at different times, merge past the limit; the materializer goes on', async () => {
    expect(
      (await t.request('POST', '/workflows', { body: fatWorkflow('late', 200), token: WRITER_TOKEN })).status,
    ).toBe(201);
    const stored = await t.request('PUT', '/workflows/late/assets/late.out/partition-parameters', {
      body: { partitionKey: '2024-03-01', parameters: blob('stored', 250) },
      token: RUNNER_TOKEN,
    });
    expect(stored.status).toBe(200);
    // Each layer fits with the definition's; together with the stored ones they do not.
    const oversized = await requestBackfill(t, 'late', {
      partitions: { keys: ['2024-03-01'] },
      parameters: blob('backfill', 250),
    });
    const done = await backfillReaching(t, 'late', oversized.data.id, ['failed', 'succeeded']);
    expect(done.data).toMatchObject({ status: 'failed', counts: { total: 1, skipped: 1 } });
    // Another workflow's backfill still runs: the materializer is not stuck on the oversized trigger.
    expect(
      (await t.request('POST', '/workflows', { body: partitionedWorkflow('thin', daily), token: WRITER_TOKEN })).status,
    ).toBe(201);
    const thin = await requestBackfill(t, 'thin', { partitions: { keys: ['2024-03-01'] } });
    await eventually(
      () => t.request('GET', `/workflows/thin/runs?limit=5`, { token: null }).then((r) => r.body.data),
      (runs: unknown[]) => runs.length === 1,
    );
    expect(thin.data.id).toEqual(expect.any(String));
    const decisions = await t.request('GET', '/workflows/late/auto-materialize', { token: null });
    expect(decisions.body.data.decisions).toEqual(
      expect.arrayContaining([expect.objectContaining({ outcome: 'skipped', reason: 'run_request_too_large' })]),
    );
  });
});
