import { runDriver } from '../support/run-driver.js';
import { startTestApp, WRITER_TOKEN, type TestApp } from '../support/test-app.js';

const upstream = {
  slug: 'wf-graph-up',
  name: 'Upstream',
  steps: [
    { id: 'load', jobSlug: 'ext-graph-up', produces: [{ assetId: 'graph.raw', partitioning: { type: 'dynamic' } }] },
  ],
};
const downstream = {
  slug: 'wf-graph-down',
  name: 'Downstream',
  steps: [
    {
      id: 'build',
      jobSlug: 'ext-graph-down',
      consumes: [{ assetId: 'graph.raw' }],
      produces: [{ assetId: 'graph.report' }],
    },
  ],
};

describe('asset catalog and lineage graph over HTTP', () => {
  let t: TestApp;
  let driver: ReturnType<typeof runDriver>;
  let registeredSeq = 0;
  const get = (path: string) => t.request('GET', path, { token: null });
  const node = async (assetId: string, minSeq = 0) =>
    (await get(`/assets/graph?minSeq=${minSeq}`)).body.data.assets.find(
      (a: { assetId: string }) => a.assetId === assetId,
    );

  beforeAll(async () => {
    t = await startTestApp();
    driver = runDriver(t);
    for (const definition of [upstream, downstream]) {
      const created = await t.request('POST', '/workflows', { body: definition, token: WRITER_TOKEN });
      expect(created.status).toBe(201);
      registeredSeq = created.body.meta.eventSeq;
    }
  });
  afterAll(async () => {
    await t.close();
  });

  it('builds the graph from declarations: an edge from what a step consumes to what it produces', async () => {
    const graph = await get(`/assets/graph?minSeq=${registeredSeq}`);
    expect(graph.status).toBe(200);
    expect(graph.body.data.edges).toEqual([
      { fromAssetId: 'graph.raw', toAssetId: 'graph.report', workflowSlug: 'wf-graph-down', stepId: 'build' },
    ]);
    expect(graph.body.data.assets.map((a: { assetId: string }) => a.assetId)).toEqual(['graph.raw', 'graph.report']);
    expect(await node('graph.report')).toMatchObject({
      hasOutdatedUpstreams: false,
      latestMaterializations: [],
      stalePartitions: [],
    });
  });

  it('flags the downstream as outdated once the upstream ran, and clears it once the downstream ran', async () => {
    const up = await driver.run('wf-graph-up', { partitionKey: 'sensor-a' }, [
      { stepId: 'load', assets: [{ assetId: 'graph.raw', payload: { rows: 1 } }] },
    ]);
    const upSeq = await driver.waitForMaterialization('wf-graph-up', 'graph.raw', up.runId);
    expect(await node('graph.report', upSeq)).toMatchObject({
      hasOutdatedUpstreams: true,
      outdatedUpstreamAssetIds: ['graph.raw'],
    });
    expect((await node('graph.raw', upSeq)).latestMaterializations).toEqual([
      expect.objectContaining({ runId: up.runId, partitionKey: 'sensor-a', workflowSlug: 'wf-graph-up' }),
    ]);

    const down = await driver.run('wf-graph-down', {}, [
      { stepId: 'build', assets: [{ assetId: 'graph.report', payload: { ok: true } }] },
    ]);
    const downSeq = await driver.waitForMaterialization('wf-graph-down', 'graph.report', down.runId);
    expect(await node('graph.report', downSeq)).toMatchObject({
      hasOutdatedUpstreams: false,
      outdatedUpstreamAssetIds: [],
    });

    const marked = await t.request('POST', '/workflows/wf-graph-up/assets/graph.raw/stale', {
      body: { partitionKey: 'sensor-a', note: 'recalibrated' },
    });
    const graph = await get(`/assets/graph?minSeq=${marked.body.meta.eventSeq}`);
    const raw = graph.body.data.assets.find((a: { assetId: string }) => a.assetId === 'graph.raw');
    expect(raw).toMatchObject({
      hasStalePartitions: true,
      stalePartitions: [
        expect.objectContaining({
          workflowSlug: 'wf-graph-up',
          partitionKey: 'sensor-a',
          reason: 'manual',
          note: 'recalibrated',
        }),
      ],
    });
  });

  it('lists the global catalog by asset id with cursor paging, and one asset across workflows', async () => {
    const up = await driver.run('wf-graph-up', { partitionKey: 'sensor-b' }, [
      { stepId: 'load', assets: [{ assetId: 'graph.raw', payload: { rows: 2 } }] },
    ]);
    const seq = await driver.waitForMaterialization('wf-graph-up', 'graph.raw', up.runId);

    const first = await get(`/assets?limit=1&minSeq=${seq}`);
    expect(first.status).toBe(200);
    expect(first.body.data.assets).toEqual([
      expect.objectContaining({
        assetId: 'graph.raw',
        partitionCount: 2,
        materializations: 2,
        producers: [expect.objectContaining({ workflowSlug: 'wf-graph-up' })],
        consumers: [expect.objectContaining({ workflowSlug: 'wf-graph-down' })],
      }),
    ]);
    expect(first.body.data.assets[0].latest).toMatchObject({ runId: up.runId, partitionKey: 'sensor-b' });
    const second = await get(`/assets?limit=1&cursor=${first.body.meta.nextCursor}`);
    expect(second.body.data.assets.map((a: { assetId: string }) => a.assetId)).toEqual(['graph.report']);
    expect(second.body.meta.nextCursor).toBeNull();

    const detail = await get('/assets/graph.raw?limit=1');
    expect(detail.body.data).toMatchObject({
      assetId: 'graph.raw',
      partitionCount: 2,
      latest: expect.objectContaining({ runId: up.runId }),
    });
    expect(detail.body.data.latestMaterializations).toEqual([
      expect.objectContaining({ partitionKey: 'sensor-b', payload: { rows: 2 } }),
    ]);
    const rest = await get(`/assets/graph.raw?limit=1&cursor=${detail.body.meta.nextCursor}`);
    expect(rest.body.data.latestMaterializations).toEqual([expect.objectContaining({ partitionKey: 'sensor-a' })]);
    expect(rest.body.meta.nextCursor).toBeNull();
  });

  it('refuses bad queries and unknown assets', async () => {
    const cases: Array<[string, number, string]> = [
      ['/assets?limit=0', 400, 'invalid_query'],
      ['/assets?limit=201', 400, 'invalid_query'],
      ['/assets?cursor=%%%', 400, 'invalid_cursor'],
      ['/assets?unknown=1', 400, 'invalid_query'],
      ['/assets/nothing.here', 404, 'asset_not_found'],
      ['/assets/Graph.Raw', 404, 'asset_not_found'],
      ['/assets/graph.raw?limit=500', 400, 'invalid_query'],
      ['/assets/graph.raw?cursor=e30', 400, 'invalid_cursor'],
      ['/assets/graph?limit=1', 400, 'invalid_query'],
    ];
    for (const [path, status, code] of cases) {
      const response = await get(path);
      expect({ path, status: response.status, code: response.body.code }).toEqual({ path, status, code });
    }
  });

  it('describes every asset endpoint in the OpenAPI document', async () => {
    const docs = await get('/docs/json');
    expect(Object.keys(docs.body.paths)).toEqual(
      expect.arrayContaining([
        '/workflows/{slug}/assets',
        '/workflows/{slug}/assets/{assetId}/history',
        '/workflows/{slug}/assets/{assetId}/partitions',
        '/workflows/{slug}/assets/{assetId}/stale',
        '/workflows/{slug}/assets/{assetId}/partition-parameters',
        '/assets',
        '/assets/graph',
        '/assets/{assetId}',
      ]),
    );
    const history = docs.body.paths['/workflows/{slug}/assets/{assetId}/history'].get;
    expect(history.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['slug', 'assetId', 'partitionKey', 'limit', 'cursor', 'minSeq']),
    );
    expect(docs.body.paths['/workflows/{slug}/assets/{assetId}/stale'].post.requestBody).toBeDefined();
  });
});
