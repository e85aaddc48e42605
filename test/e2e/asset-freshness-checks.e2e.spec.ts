import { startTestApp, type TestApp } from '../support/test-app.js';
import { eventually } from '../support/waiting.js';

/**
 * The freshness rule among service-evaluated checks (issue 20, DESIGN §14): a materialization recorded later than
 * its freshness after its producedAt fails the check on arrival; one that expires fails it again at the expiry.
 */
describe('freshness checks over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const definition = (checks: object[], freshness?: object) => ({
    slug: 'fresh-feed',
    name: 'Feed with a freshness check',
    steps: [
      {
        id: 'make',
        jobSlug: 'external-job',
        produces: [
          {
            assetId: 'fresh.feed',
            partitioning: { type: 'static', keys: ['late', 'on-time'] },
            ...(freshness ? { freshness } : {}),
            checks,
          },
        ],
      },
    ],
  });
  const runningStep = (runId: string) =>
    eventually(
      () => t.request('GET', `/workflow-runs/${runId}`, { token: null }),
      (response) => response.body?.data?.steps?.[0]?.status === 'running',
      15_000,
    );
  const produce = async (partitionKey: string, producedAt: string) => {
    const run = await t.request('POST', '/workflows/fresh-feed/run', { body: { partitionKey } });
    expect(run.status).toBe(202);
    const runId = run.body.data.id as string;
    await runningStep(runId);
    const completed = await t.request('POST', `/workflow-runs/${runId}/steps/make/complete`, {
      body: { status: 'succeeded', result: { assets: [{ assetId: 'fresh.feed', payload: { n: 1 }, producedAt }] } },
    });
    expect(completed.status).toBe(200);
  };
  const results = (partitionKey: string) =>
    t.request('GET', `/workflows/fresh-feed/assets/fresh.feed/checks?partitionKey=${partitionKey}`, { token: null });

  it('refuses a freshness rule without a limit with the field path', async () => {
    const response = await t.request('POST', '/workflows', {
      body: definition([{ name: 'fresh', severity: 'warn', freshness: {} }]),
    });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('invalid_definition');
    expect(response.body.errors).toEqual([
      {
        path: '/steps/0/produces/0/checks/0/freshness',
        message: "a freshness rule needs maxAgeMs or the asset's freshness (ttlMs, cadenceMs or maxAgeMs)",
      },
    ]);
  });

  it('fails a late arrival at once, passes an on-time one, and fails each again when it expires', async () => {
    const registered = await t.request('POST', '/workflows', {
      body: definition([{ name: 'fresh', severity: 'error', blocking: true, freshness: {} }], { ttlMs: 1000 }),
    });
    expect(registered.status).toBe(201);
    expect(registered.body.data.steps[0].produces[0].checks[0].freshness).toEqual({});

    await produce('late', new Date(Date.now() - 30_000).toISOString());
    await produce('on-time', new Date().toISOString());

    const late = await eventually(
      () => results('late'),
      (response) => response.body?.data?.results?.length === 2,
      15_000,
    );
    const [lateExpiry, lateArrival] = late.body.data.results;
    expect(lateArrival).toMatchObject({
      checkName: 'fresh',
      passed: false,
      blocking: true,
      source: 'service',
      violations: [{ path: '/producedAt', message: expect.stringContaining('arrived late') }],
    });
    expect(lateExpiry).toMatchObject({
      checkName: 'fresh',
      passed: false,
      producedEventId: lateArrival.producedEventId,
      metadata: { reason: 'ttl', expiredAt: expect.any(String) },
    });

    const onTime = await eventually(
      () => results('on-time'),
      (response) => response.body?.data?.results?.length === 2,
      15_000,
    );
    const [expiry, arrival] = onTime.body.data.results;
    expect(arrival).toMatchObject({ passed: true, violations: [] });
    expect(expiry).toMatchObject({
      passed: false,
      producedEventId: arrival.producedEventId,
      violations: [{ path: '/producedAt', message: expect.stringContaining('without a newer materialization') }],
    });

    const history = await t.request(
      'GET',
      `/workflows/fresh-feed/assets/fresh.feed/history?partitionKey=on-time&minSeq=${expiry.eventSeq}`,
      { token: null },
    );
    expect(history.body.data.history[0].checks).toEqual([
      { name: 'fresh', passed: false, severity: 'error', blocking: true },
    ]);
  });
});
