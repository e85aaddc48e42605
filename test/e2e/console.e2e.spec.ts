import { readFileSync } from 'node:fs';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('the console next to the API', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('GET / redirects to /ui/', async () => {
    const response = await fetch(`${t.baseUrl}/`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/ui/');
  });

  it('docs/openapi.json, from which the console client is generated, is the document /docs/json serves (run `npm run docs:openapi`)', async () => {
    const served = (await t.request('GET', '/docs/json', { token: null })).body;
    expect(JSON.parse(readFileSync('docs/openapi.json', 'utf8'))).toEqual(served);
  });

  it('documents the responses the console reads', async () => {
    const document = (await t.request('GET', '/docs/json', { token: null })).body;
    const schemaOf = (path: string, status = '200') =>
      document.paths[path].get.responses[status].content['application/json'].schema;
    expect(schemaOf('/workflows').properties.data.items.required).toEqual(
      expect.arrayContaining(['slug', 'name', 'steps', 'version']),
    );
    expect(Object.keys(schemaOf('/workflows/{slug}/runs').properties.data.items.properties)).toEqual(
      expect.arrayContaining(['id', 'status', 'trigger', 'steps']),
    );
    expect(Object.keys(schemaOf('/workflows/{slug}/auto-materialize').properties.data.properties)).toEqual([
      'runs',
      'inFlight',
      'backoff',
      'decisions',
    ]);
    expect(schemaOf('/workflow-runs/{runId}').properties.data.properties.steps.items.required).toContain(
      'producedAssets',
    );
  });

  it('is served by api processes only', async () => {
    const worker = await startTestApp({ APPHUB_ROLES: 'projector' }, { database: t.database, prefix: t.prefix });
    try {
      const response = await fetch(`${worker.baseUrl}/ui/`);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/problem\+json/);
      expect((await fetch(`${worker.baseUrl}/events`)).status).toBe(404);
    } finally {
      await worker.close();
    }
  });
});
