import { loadConfig, ConfigError } from '../../src/config/load-config.js';
import { openPlatform } from '../../src/runtime/platform.js';
import { createTestDatabase } from '../support/test-database.js';
import { TEST_NATS_URL } from '../support/test-env.js';
import { testPrefix } from '../support/test-nats.js';
import { eventually } from '../support/waiting.js';
import { startTestApp, TEST_TOKENS, WRITER_TOKEN, type HttpResponse, type TestApp } from '../support/test-app.js';

const raw = (json: string) => Buffer.from(json, 'utf8').toString('base64url');

function expectProblem(response: HttpResponse, status: number, code: string): void {
  expect([response.status, response.body?.code]).toEqual([status, code]);
  expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
}

describe('bad input gets a 4xx problem, never a 500, and changes nothing', () => {
  let t: TestApp;
  let written = 0;
  beforeAll(async () => {
    // The body limit at its highest (max_payload − 64 KiB), so two legal bodies can make one event too large.
    t = await startTestApp({ APPHUB_MAX_BODY_BYTES: String(1024 * 1024 - 64 * 1024) });
    const created = await t.request('POST', '/workflows', {
      body: {
        slug: 'plain',
        name: 'Plain',
        steps: [{ id: 's', jobSlug: 'external-job', produces: [{ assetId: 'plain.out' }] }],
      },
    });
    written = created.body.meta.eventSeq;
  });
  afterAll(async () => {
    await t.close();
  });

  it('replaces an empty, too long or malformed X-Request-Id (never stored in events)', async () => {
    for (const header of ['', 'x'.repeat(3000), 'a b', 'x'.repeat(129)]) {
      const response = await t.request('POST', '/workflows/plain/run', {
        body: {},
        headers: { 'x-request-id': header },
      });
      expect(response.status).toBe(202);
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
    const kept = await t.request('GET', '/workflows', { token: null, headers: { 'x-request-id': 'trace-42' } });
    expect(kept.headers.get('x-request-id')).toBe('trace-42');
    const put = await t.request('PUT', '/workflows/plain', {
      body: { name: 'Plain', steps: [{ id: 's', jobSlug: 'external-job', produces: [{ assetId: 'plain.out' }] }] },
      headers: { 'x-request-id': 'y'.repeat(3000) },
    });
    expect(put.status).toBe(200);
    const event = await t.platform.store.readLast(t.platform.store.subjects.definition('plain'));
    expect(event!.metadata.correlationId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each(['abc:def', 'a.b', 'a*', 'x'.repeat(101)])('answers 404 for the run id %s', async (runId) => {
    const id = encodeURIComponent(runId);
    expectProblem(await t.request('GET', `/workflow-runs/${id}`, { token: null }), 404, 'run_not_found');
    expectProblem(await t.request('POST', `/workflow-runs/${id}/cancel`, { body: {} }), 404, 'run_not_found');
    expectProblem(
      await t.request('POST', `/workflow-runs/${id}/steps/s/complete`, { body: { status: 'succeeded' } }),
      404,
      'run_not_found',
    );
  });

  it.each([
    ['a sequence beyond bigint', raw('{"seq":99999999999999999999}'), '/workflows/plain/runs'],
    ['s:1e308', raw('{"p":"2024-01-01T00:00:00.000Z","s":1e308}'), '/workflows/plain/assets/plain.out/history'],
    ['p:"1"', raw('{"p":"1","s":1}'), '/workflows/plain/assets/plain.out/history'],
    ['a NUL in a key', raw('{"s":1,"k":"a\\u0000"}'), '/workflows/plain/assets/plain.out/partitions'],
    ['p:"1" on an asset', raw('{"p":"1","s":1}'), '/assets/plain.out'],
    ['garbage', '!!!', '/assets'],
  ])('answers 400 invalid_cursor for %s', async (_label, cursor, path) => {
    expectProblem(await t.request('GET', `${path}?cursor=${cursor}`, { token: null }), 400, 'invalid_cursor');
  });

  it('answers 400 invalid_min_seq beyond the end of the stream, at once, and serves a written sequence', async () => {
    const started = performance.now();
    const beyond = await t.request('GET', `/workflows?minSeq=${written + 1_000_000}`, { token: null });
    expectProblem(beyond, 400, 'invalid_min_seq');
    expect(performance.now() - started).toBeLessThan(2000);
    expectProblem(await t.request('GET', '/assets?minSeq=1e308', { token: null }), 400, 'invalid_min_seq');
    expectProblem(await t.request('GET', '/assets?minSeq=Infinity', { token: null }), 400, 'invalid_min_seq');
    expectProblem(await t.request('GET', '/assets?minSeq=abc', { token: null }), 400, 'invalid_query');
    const run = await t.request('POST', '/workflows/plain/run', { body: {} });
    const own = await t.request('GET', `/workflows/plain/runs?minSeq=${run.body.meta.eventSeq}`, { token: null });
    expect(own.status).toBe(200);
  });

  it('answers 414 problem+json for a path parameter over 1000 characters', async () => {
    expectProblem(await t.request('GET', `/workflow-runs/${'x'.repeat(1001)}`, { token: null }), 414, 'uri_too_long');
  });

  it('names the parameter of an invalid query value', async () => {
    const response = await t.request('GET', '/workflows/plain/runs?limit=0', { token: null });
    expectProblem(response, 400, 'invalid_query');
    expect(response.body.errors).toContainEqual(expect.objectContaining({ path: 'query/limit' }));
  });

  it('refuses NUL characters and unpaired surrogates in bodies and URLs', async () => {
    const before = await t.platform.store.lastSequence();
    const nul = await t.request('POST', '/workflows/plain/run', { rawBody: '{"parameters":{"a":"x\\u0000"}}' });
    expectProblem(nul, 400, 'invalid_request');
    expect(nul.body.errors).toEqual([expect.objectContaining({ path: '/parameters/a' })]);
    const surrogate = await t.request('POST', '/workflows/plain/run', { rawBody: '{"parameters":{"a":"\\ud800"}}' });
    expectProblem(surrogate, 400, 'invalid_request');
    expectProblem(
      await t.request('GET', '/workflows/plain/runs?partitionKey=%00', { token: null }),
      400,
      'invalid_request',
    );
    expect(await t.platform.store.lastSequence()).toBe(before);
  });

  it('keeps prototype keys harmless end to end', async () => {
    const before = await t.platform.store.lastSequence();
    const proto = await t.request('POST', '/workflows/plain/run', { rawBody: '{"parameters":{"__proto__":{"x":1}}}' });
    expectProblem(proto, 400, 'invalid_json');
    const constructorKey = await t.request('POST', '/workflows/plain/run', {
      rawBody: '{"parameters":{"constructor":{"prototype":{"x":1}}}}',
    });
    expectProblem(constructorKey, 400, 'invalid_json');
    expect(await t.platform.store.lastSequence()).toBe(before);
    expect(({} as { x?: unknown }).x).toBeUndefined();
  });

  it('answers 413 payload_too_large when the event would exceed max_payload, appending nothing', async () => {
    const big = 'b'.repeat(900 * 1024);
    const created = await t.request('POST', '/workflows', {
      body: { slug: 'heavy', name: 'Heavy', defaultParameters: { big }, steps: [{ id: 's', jobSlug: 'external-job' }] },
    });
    expect(created.status).toBe(201);
    const before = await t.platform.store.lastSequence();
    const response = await t.request('POST', '/workflows/heavy/run', { body: { parameters: { more: big } } });
    expectProblem(response, 413, 'payload_too_large');
    expect(response.body.limit).toBe(t.platform.store.maxEventBytes);
    expect(await t.platform.store.lastSequence()).toBe(before);
  });

  it('refuses (413) a completion whose asset.produced would exceed max_payload, before recording the step', async () => {
    // Each body is legal on its own; the asset.produced event carries the payload and the run's parameters.
    const created = await t.request('POST', '/workflows', {
      body: {
        slug: 'fat-asset',
        name: 'Fat asset',
        steps: [{ id: 's', jobSlug: 'external-job', produces: [{ assetId: 'fat.asset' }] }],
      },
    });
    expect(created.status).toBe(201);
    const run = await t.request('POST', '/workflows/fat-asset/run', {
      body: { parameters: { big: 'p'.repeat(520 * 1024) } },
    });
    expect(run.status).toBe(202);
    const runId = run.body.data.id as string;
    let dispatched = false;
    for (let i = 0; i < 400 && !dispatched; i++) {
      const view = await t.request('GET', `/workflow-runs/${runId}`, { token: null });
      dispatched = view.body.data.steps[0].status === 'running';
      if (!dispatched) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(dispatched).toBe(true);
    const before = await t.platform.store.lastSequence();
    const response = await t.request('POST', `/workflow-runs/${runId}/steps/s/complete`, {
      body: {
        status: 'succeeded',
        result: { assets: [{ assetId: 'fat.asset', payload: { blob: 'a'.repeat(520 * 1024) } }] },
      },
    });
    expectProblem(response, 413, 'payload_too_large');
    expect(await t.platform.store.lastSequence()).toBe(before);
    const view = await t.request('GET', `/workflow-runs/${runId}`, { token: null });
    expect(view.body.data.steps[0].status).toBe('running');
  });

  it('refuses a serviceUrl to a link-local or private address at registration, naming the path', async () => {
    const before = await t.platform.store.lastSequence();
    const response = await t.request('POST', '/workflows', {
      token: WRITER_TOKEN,
      body: {
        slug: 'ssrf',
        name: 'SSRF',
        steps: [
          { id: 'meta', serviceUrl: 'http://169.254.169.254/latest/meta-data/' },
          { id: 'local', serviceUrl: 'http://localhost:5432/' },
        ],
      },
    });
    expectProblem(response, 400, 'invalid_definition');
    expect(response.body.errors.map((e: { path: string }) => e.path)).toEqual([
      '/steps/0/serviceUrl',
      '/steps/1/serviceUrl',
    ]);
    expect(await t.platform.store.lastSequence()).toBe(before);
  });
});

describe('with APPHUB_READ_AUTH=required', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ APPHUB_READ_AUTH: 'required' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers the probes and /metrics without a token, and reads only with one', async () => {
    expect((await t.request('GET', '/health/live', { token: null })).status).toBe(200);
    // Ready once its consumers hold their leases (seconds on a loaded machine); never 401 without a token.
    await eventually(
      async () => (await t.request('GET', '/health/ready', { token: null })).status,
      (status) => status === 200,
      30_000,
    );
    expect((await t.request('GET', '/metrics', { token: null })).status).toBe(200);
    expect((await t.request('GET', '/health/live', { token: 'not-a-known-token' })).status).toBe(200);
    expectProblem(await t.request('GET', '/workflows', { token: null }), 401, 'unauthorized');
  });
});

describe('start-up', () => {
  it("refuses a body limit above the NATS server's real max_payload minus 64 KiB", async () => {
    const database = await createTestDatabase();
    try {
      const config = loadConfig({
        DATABASE_URL: database.url,
        NATS_URL: TEST_NATS_URL,
        APPHUB_SUBJECT_PREFIX: testPrefix(),
        APPHUB_OPERATOR_TOKENS: JSON.stringify(TEST_TOKENS),
        APPHUB_MIGRATE_ON_START: 'false',
        APPHUB_MAX_BODY_BYTES: String(1024 * 1024),
        LOG_LEVEL: 'silent',
      });
      const opened = openPlatform(config, { collectDefaultMetrics: false });
      await expect(opened).rejects.toBeInstanceOf(ConfigError);
      await expect(opened).rejects.toThrow(/max_payload \(1048576\)/);
    } finally {
      await database.drop();
    }
  });
});
