import { RUNNER_TOKEN, startTestApp, WRITER_TOKEN, type TestApp } from '../support/test-app.js';
import { eventually } from '../support/waiting.js';

const KiB = 1024;

/**
 * A completion whose step event fits, but whose recorded asset would not: `asset.produced` carries the payload, the
 * declared schema and the run's parameters (DESIGN §3). Each body is legal on its own (issue 8 item 14).
 */
describe('a completion whose asset.produced would exceed max_payload', () => {
  let t: TestApp;
  const getRun = (runId: string) =>
    t.request('GET', `/workflow-runs/${runId}`, { token: null }).then((r) => r.body.data);
  const run = async (slug: string, body: object) => {
    const response = await t.request('POST', `/workflows/${slug}/run`, { body, token: RUNNER_TOKEN });
    expect(response.status).toBe(202);
    return response.body.data.id as string;
  };

  beforeAll(async () => {
    t = await startTestApp({ APPHUB_MAX_BODY_BYTES: String(1024 * KiB - 64 * KiB) });
    const schema = { type: 'object', description: 'd'.repeat(250 * KiB) };
    for (const body of [
      {
        slug: 'fat',
        name: 'Fat',
        steps: [{ id: 's', jobSlug: 'external-job', produces: [{ assetId: 'fat.out', schema }] }],
      },
      {
        slug: 'thin',
        name: 'Thin',
        steps: [{ id: 's', jobSlug: 'external-job', produces: [{ assetId: 'thin.out' }] }],
      },
    ])
      expect((await t.request('POST', '/workflows', { body, token: WRITER_TOKEN })).status).toBe(201);
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 413 and records nothing, and the executor keeps deciding other runs', async () => {
    const fat = await run('fat', { parameters: { blob: 'p'.repeat(420 * KiB) } });
    await eventually(
      () => getRun(fat),
      (r) => r.steps[0].status === 'running',
    );
    const before = await t.platform.store.lastSequence();
    const completion = await t.request('POST', `/workflow-runs/${fat}/steps/s/complete`, {
      body: {
        status: 'succeeded',
        result: { assets: [{ assetId: 'fat.out', payload: { x: 'y'.repeat(420 * KiB) } }] },
      },
      token: RUNNER_TOKEN,
    });
    expect([completion.status, completion.body.code]).toEqual([413, 'payload_too_large']);
    expect(await t.platform.store.lastSequence()).toBe(before);
    // The run can still be completed with less data, and other runs go on.
    const thin = await run('thin', {});
    await eventually(
      () => getRun(thin),
      (r) => r.steps[0].status === 'running',
    );
    const small = await t.request('POST', `/workflow-runs/${fat}/steps/s/complete`, {
      body: { status: 'succeeded', result: { assets: [{ assetId: 'fat.out', payload: { x: 1 } }] } },
      token: RUNNER_TOKEN,
    });
    expect(small.status).toBe(200);
    await eventually(
      () => getRun(fat),
      (r) => r.status === 'succeeded',
    );
  });
});
