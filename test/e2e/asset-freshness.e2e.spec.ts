import {
  freshnessResponseSchema,
  notFreshProblemSchema,
} from '../../src/assets/freshness-gate/freshness.http-schemas.js';
import { schemaErrors } from '../support/openapi-schema-check.js';
import { requireFresh } from '../../src/assets/freshness-gate/require-fresh.js';
import { runDriver } from '../support/run-driver.js';
import { RUNNER_TOKEN, startTestApp, WRITER_TOKEN, type TestApp } from '../support/test-app.js';

const workflow = {
  slug: 'wf-gate',
  name: 'Freshness gate',
  steps: [
    {
      id: 'produce',
      jobSlug: 'ext-gate',
      produces: [
        { assetId: 'gate.report', freshness: { maxAgeMs: 3_600_000 } },
        { assetId: 'gate.parquet', partitioning: { type: 'static', keys: ['eu', 'us'] } },
        { assetId: 'gate.ttl', freshness: { ttlMs: 60_000 } },
      ],
    },
  ],
};

describe('freshness gate: GET /assets/:assetId/freshness and the require-fresh CLI', () => {
  let t: TestApp;
  let driver: ReturnType<typeof runDriver>;
  let registeredSeq = 0;
  const freshness = (assetId: string, query = '') =>
    t.request('GET', `/assets/${assetId}/freshness${query}`, { token: null });

  beforeAll(async () => {
    t = await startTestApp();
    driver = runDriver(t);
    const registered = await t.request('POST', '/workflows', { body: workflow, token: WRITER_TOKEN });
    expect(registered.status).toBe(201);
    registeredSeq = registered.body.meta.eventSeq;
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers missing before the first materialization, and 412 problem+json with require=fresh', async () => {
    const missing = await freshness('gate.report', `?minSeq=${registeredSeq}`);
    expect(missing.status).toBe(200);
    expect(missing.body.data).toMatchObject({
      assetId: 'gate.report',
      status: 'missing',
      since: null,
      reason: 'never-materialized',
      latest: null,
    });
    const gated = await freshness('gate.report', '?require=fresh');
    expect(gated.status).toBe(412);
    expect(gated.headers.get('content-type')).toContain('application/problem+json');
    expect(gated.body).toMatchObject({ code: 'asset_not_fresh', freshness: { status: 'missing' } });
    expect(schemaErrors(freshnessResponseSchema, missing.body)).toEqual([]);
    expect(schemaErrors(notFreshProblemSchema, gated.body)).toEqual([]);
    expect((await requireFresh(t.platform.db, ['gate.report'], new Date())).ok).toBe(false);
  });

  it('answers fresh after a materialization, until a manual stale mark', async () => {
    const { runId } = await driver.run('wf-gate', { partitionKey: 'eu' }, [
      {
        stepId: 'produce',
        assets: [
          { assetId: 'gate.report', payload: { rows: 1 } },
          { assetId: 'gate.parquet', payload: { rows: 2 } },
          { assetId: 'gate.ttl', payload: {}, producedAt: new Date(Date.now() - 120_000).toISOString() },
        ],
      },
    ]);
    const seq = await driver.waitForMaterialization('wf-gate', 'gate.report', runId);
    const fresh = await freshness('gate.report', `?require=fresh&minSeq=${seq}`);
    expect(fresh.status).toBe(200);
    expect(fresh.body.data).toMatchObject({
      status: 'fresh',
      reason: null,
      latest: { runId, workflowSlug: 'wf-gate' },
    });
    expect(schemaErrors(freshnessResponseSchema, fresh.body)).toEqual([]);
    expect(Date.parse(fresh.body.data.freshUntil) - Date.parse(fresh.body.data.since)).toBe(3_600_000);
    const cli = await requireFresh(t.platform.db, ['gate.report', 'gate.parquet@eu'], new Date());
    expect(cli).toEqual({ ok: true, lines: [expect.stringMatching(/^ok\tgate\.report\t/), expect.any(String)] });

    const marked = await t.request('POST', '/workflows/wf-gate/assets/gate.report/stale', {
      body: { note: 'bad numbers' },
      token: RUNNER_TOKEN,
    });
    expect(marked.status).toBe(201);
    const stale = await freshness('gate.report', `?require=fresh&minSeq=${marked.body.meta.eventSeq}`);
    expect(stale.status).toBe(412);
    expect(stale.body.freshness).toMatchObject({
      status: 'stale',
      reason: 'manual',
      since: marked.body.data.requestedAt,
    });
    expect(stale.body.detail).toContain('bad numbers');
    const failed = await requireFresh(t.platform.db, ['gate.report'], new Date());
    expect(failed.ok).toBe(false);
    expect(failed.lines[0]).toMatch(/^FAIL\tgate\.report\tstale: runner marked it stale: bad numbers$/);
  });

  it('answers expired once the TTL has run out', async () => {
    const expired = await freshness('gate.ttl');
    expect(expired.body.data).toMatchObject({
      status: 'expired',
      reason: expect.stringMatching(/^(expired|ttl-elapsed)$/),
    });
  });

  it('answers per partition, validating the key', async () => {
    expect((await freshness('gate.parquet', '?partitionKey=eu')).body.data).toMatchObject({
      status: 'fresh',
      partitionKey: 'eu',
    });
    expect((await freshness('gate.parquet', '?partitionKey=us')).body.data).toMatchObject({
      status: 'missing',
      partitionKey: 'us',
    });
    const invalid = await freshness('gate.parquet', '?partitionKey=asia');
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe('invalid_partition_key');
    const cli = await requireFresh(t.platform.db, ['gate.parquet@us', 'gate.parquet@asia'], new Date());
    expect(cli.ok).toBe(false);
    expect(cli.lines).toEqual([
      expect.stringMatching(/^FAIL\tgate\.parquet \[us\]\tmissing: /),
      expect.stringMatching(/^FAIL\tgate\.parquet@asia\tinvalid_partition_key: /),
    ]);
  });

  it('answers 404 for an unknown asset and 400 for an unknown query parameter', async () => {
    expect((await freshness('gate.nothing')).body.code).toBe('asset_not_found');
    expect((await freshness('gate.report', '?require=stale')).status).toBe(400);
  });
});
