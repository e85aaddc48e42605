import { diffResponseSchema } from '../../src/assets/diff/asset-diff.http-schemas.js';
import { schemaErrors } from '../support/openapi-schema-check.js';
import jsonPatch from 'fast-json-patch';
import { runDriver } from '../support/run-driver.js';
import { startTestApp, WRITER_TOKEN, type TestApp } from '../support/test-app.js';

const workflow = {
  slug: 'wf-diff',
  name: 'Payload diffs',
  steps: [
    {
      id: 'produce',
      jobSlug: 'ext-diff',
      produces: [{ assetId: 'diff.report', partitioning: { type: 'static', keys: ['eu', 'us'] } }],
    },
  ],
};

describe('payload diffs: GET /workflows/:slug/assets/:assetId/history/diff', () => {
  let t: TestApp;
  let driver: ReturnType<typeof runDriver>;
  const seqs: Record<string, number> = {};
  const diff = (query = '') =>
    t.request('GET', `/workflows/wf-diff/assets/diff.report/history/diff${query}`, { token: null });
  const produce = async (name: string, partitionKey: string, payload: unknown) => {
    const { runId } = await driver.run('wf-diff', { partitionKey }, [
      { stepId: 'produce', assets: [{ assetId: 'diff.report', payload }] },
    ]);
    seqs[name] = await driver.waitForMaterialization('wf-diff', 'diff.report', runId);
  };

  beforeAll(async () => {
    t = await startTestApp();
    driver = runDriver(t);
    expect((await t.request('POST', '/workflows', { body: workflow, token: WRITER_TOKEN })).status).toBe(201);
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 404 materialization_not_found before the first materialization', async () => {
    const none = await diff();
    expect(none.status).toBe(404);
    expect(none.body.code).toBe('materialization_not_found');
  });

  it('diffs the first materialization against nothing', async () => {
    await produce('eu1', 'eu', { total: 1, rows: ['a'] });
    const first = await diff(`?minSeq=${seqs.eu1}`);
    expect(first.status).toBe(200);
    expect(schemaErrors(diffResponseSchema, first.body)).toEqual([]);
    expect(first.body.data).toMatchObject({
      from: null,
      to: { eventSeq: seqs.eu1 },
      patch: [{ op: 'add', path: '', value: { total: 1, rows: ['a'] } }],
    });
  });

  it('defaults to the latest and the one before it in the same partition', async () => {
    await produce('us1', 'us', { total: 100 });
    await produce('eu2', 'eu', { total: 2, rows: ['a', 'b'], note: 'x' });
    const latest = await diff(`?minSeq=${seqs.eu2}`);
    expect(latest.body.data.from).toMatchObject({ eventSeq: seqs.eu1, partitionKey: 'eu', payload: { total: 1 } });
    expect(latest.body.data.to).toMatchObject({ eventSeq: seqs.eu2, partitionKey: 'eu', runStatus: 'succeeded' });
    expect(latest.body.data.patch).toEqual(
      expect.arrayContaining([
        { op: 'replace', path: '/total', value: 2 },
        { op: 'add', path: '/rows/1', value: 'b' },
        { op: 'add', path: '/note', value: 'x' },
      ]),
    );
    const applied = jsonPatch.applyPatch({ total: 1, rows: ['a'] }, latest.body.data.patch, true, false).newDocument;
    expect(applied).toEqual({ total: 2, rows: ['a', 'b'], note: 'x' });

    const us = await diff('?partitionKey=us');
    expect(us.body.data).toMatchObject({ from: null, to: { eventSeq: seqs.us1 } });
  });

  it('diffs two explicit materializations by eventSeq, also across partitions', async () => {
    const explicit = await diff(`?from=${seqs.us1}&to=${seqs.eu1}`);
    expect(explicit.status).toBe(200);
    expect(schemaErrors(diffResponseSchema, explicit.body)).toEqual([]);
    expect(explicit.body.data.from.eventSeq).toBe(seqs.us1);
    expect(explicit.body.data.to.eventSeq).toBe(seqs.eu1);
    expect(jsonPatch.applyPatch({ total: 100 }, explicit.body.data.patch, true, false).newDocument).toEqual({
      total: 1,
      rows: ['a'],
    });
    const toOnly = await diff(`?to=${seqs.eu2}`);
    expect(toOnly.body.data.from.eventSeq).toBe(seqs.eu1);
  });

  it('refuses sequences that are not materializations of the asset, bad keys and bad values', async () => {
    const notProduced = await diff('?from=1');
    expect(notProduced.status).toBe(404);
    expect(notProduced.body.code).toBe('materialization_not_found');
    expect((await diff('?to=999999999')).body.code).toBe('materialization_not_found');
    const badKey = await diff('?partitionKey=asia');
    expect(badKey.status).toBe(400);
    expect(badKey.body.code).toBe('invalid_partition_key');
    expect((await diff('?from=0')).status).toBe(400);
    expect((await t.request('GET', '/workflows/wf-diff/assets/other.asset/history/diff')).status).toBe(404);
  });
});
