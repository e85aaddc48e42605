import { READER_TOKEN, RUNNER_TOKEN, startTestApp, WRITER_TOKEN, type TestApp } from '../support/test-app.js';

const definition = (slug: string) => ({
  slug,
  name: 'Demo',
  steps: [
    {
      id: 'produce',
      jobSlug: 'demo-job',
      produces: [
        {
          assetId: 'demo.asset',
          schema: { type: 'object', properties: { count: { type: 'number' } }, required: ['count'] },
          freshness: { ttlMs: 60000 },
        },
      ],
    },
  ],
});

describe('workflow definitions over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('registers a workflow (201), serves it with an ETag and lists it at minSeq', async () => {
    const created = await t.request('POST', '/workflows', { body: definition('wf-one'), token: WRITER_TOKEN });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ slug: 'wf-one', version: 1 });
    expect(created.headers.get('etag')).toBe('"1"');
    const seq = created.body.meta.eventSeq;
    expect(created.headers.get('apphub-event-seq')).toBe(String(seq));

    const one = await t.request('GET', '/workflows/wf-one', { token: null });
    expect(one.status).toBe(200);
    expect(one.body.data.steps[0]).toMatchObject({ id: 'produce', type: 'job', retries: 0, dependsOn: [] });

    const list = await t.request('GET', `/workflows?minSeq=${seq}`, { token: null });
    expect(list.status).toBe(200);
    expect(list.body.data.map((w: { slug: string }) => w.slug)).toContain('wf-one');
  });

  it('answers 409 for a duplicate slug and 412 for a stale If-Match', async () => {
    await t.request('POST', '/workflows', { body: definition('wf-two'), token: WRITER_TOKEN });
    const duplicate = await t.request('POST', '/workflows', { body: definition('wf-two'), token: WRITER_TOKEN });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.code).toBe('workflow_exists');
    expect(duplicate.headers.get('content-type')).toMatch(/application\/problem\+json/);

    const changed = { ...definition('wf-two'), name: 'Renamed' };
    const updated = await t.request('PUT', '/workflows/wf-two', {
      body: changed,
      token: WRITER_TOKEN,
      headers: { 'if-match': '"1"' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.data.version).toBe(2);
    const stale = await t.request('PUT', '/workflows/wf-two', {
      body: { ...changed, name: 'Again' },
      token: WRITER_TOKEN,
      headers: { 'if-match': '"1"' },
    });
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe('version_conflict');
  });

  it('rejects bad definitions and malformed JSON with problem+json and appends nothing', async () => {
    const before = await t.platform.store.lastSequence();
    const bad = await t.request('POST', '/workflows', {
      body: { ...definition('wf-bad'), steps: [{ id: 'x', jobSlug: 'j', produce: [] }] },
      token: WRITER_TOKEN,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('invalid_definition');
    expect(bad.body.errors).toContainEqual(expect.objectContaining({ path: '/steps/0/produce' }));
    const json = await t.request('POST', '/workflows', {
      rawBody: '{"freshness": { "ttlMs": 3_600_000 }}',
      token: WRITER_TOKEN,
    });
    expect(json.status).toBe(400);
    expect(json.body.code).toBe('invalid_json');
    expect(await t.platform.store.lastSequence()).toBe(before);
  });

  it('needs a token with the right scope for writes', async () => {
    expect((await t.request('POST', '/workflows', { body: definition('wf-auth'), token: null })).status).toBe(401);
    expect(
      (await t.request('POST', '/workflows', { body: definition('wf-auth'), token: 'nope-nope-nope' })).body.code,
    ).toBe('unauthorized');
    const forbidden = await t.request('POST', '/workflows', { body: definition('wf-auth'), token: RUNNER_TOKEN });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe('forbidden');
    expect((await t.request('GET', '/workflows', { token: READER_TOKEN })).status).toBe(200);
  });

  it('answers 404 problem documents for unknown workflows and routes', async () => {
    const missing = await t.request('GET', '/workflows/nope', { token: null });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('workflow_not_found');
    const route = await t.request('GET', '/nowhere', { token: null });
    expect(route.status).toBe(404);
    expect(route.body.code).toBe('route_not_found');
  });

  it('serves health, metrics and the OpenAPI document', async () => {
    expect((await t.request('GET', '/health/live', { token: null })).status).toBe(200);
    const ready = await t.request('GET', '/health/ready', { token: null });
    expect(ready.status).toBe(200);
    expect(ready.body.checks.migrations.ok).toBe(true);
    const metrics = await t.request('GET', '/metrics', { token: null });
    expect(metrics.body).toMatch(/apphub_events_appended_total/);
    const docs = await t.request('GET', '/docs/json', { token: null });
    expect(docs.status).toBe(200);
    expect(Object.keys(docs.body.paths)).toEqual(expect.arrayContaining(['/workflows', '/workflows/{slug}/run']));
  });
});
