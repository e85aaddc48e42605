import { runDriver } from '../support/run-driver.js';
import { startTestApp, WRITER_TOKEN, type TestApp } from '../support/test-app.js';

const countSchema = { type: 'object', properties: { count: { type: 'number' } }, required: ['count'] };

/** Reference §6.1 scenario 2: a producer and a consumer step of one asset. */
const inventoryWorkflow = {
  slug: 'wf-assets-demo',
  name: 'Assets demo',
  steps: [
    {
      id: 'asset-producer',
      jobSlug: 'ext-asset-producer',
      produces: [{ assetId: 'inventory.dataset', schema: countSchema, freshness: { ttlMs: 3600000 } }],
    },
    {
      id: 'asset-consumer',
      jobSlug: 'ext-asset-consumer',
      dependsOn: ['asset-producer'],
      consumes: [{ assetId: 'inventory.dataset' }],
    },
  ],
};

/** Reference §6.1 scenario 3: static partitions; the job omits the key, so the run's key is used. */
const partitionWorkflow = {
  slug: 'wf-partition-demo',
  name: 'Partition demo',
  steps: [
    {
      id: 'produce',
      jobSlug: 'ext-partitioned',
      produces: [
        { assetId: 'reports.partitioned', partitioning: { type: 'static', keys: ['2024-01', '2024-02', '2024-03'] } },
      ],
    },
  ],
};

const dailyWorkflow = {
  slug: 'wf-daily',
  name: 'Daily',
  steps: [
    {
      id: 'produce',
      jobSlug: 'ext-daily',
      produces: [{ assetId: 'metrics.daily', partitioning: { type: 'timeWindow', granularity: 'day' } }],
    },
  ],
};

const dayKey = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);

describe('workflow assets over HTTP with real runs', () => {
  let t: TestApp;
  let driver: ReturnType<typeof runDriver>;
  const get = (path: string) => t.request('GET', path, { token: null });

  beforeAll(async () => {
    t = await startTestApp();
    driver = runDriver(t);
    for (const definition of [inventoryWorkflow, partitionWorkflow, dailyWorkflow]) {
      const created = await t.request('POST', '/workflows', { body: definition, token: WRITER_TOKEN });
      expect(created.status).toBe(201);
    }
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers an empty inventory entry and an empty history for a declared asset never produced', async () => {
    const inventory = await get('/workflows/wf-assets-demo/assets');
    expect(inventory.status).toBe(200);
    expect(inventory.body.data.assets).toEqual([
      expect.objectContaining({ assetId: 'inventory.dataset', latest: null, available: false }),
    ]);
    const history = await get('/workflows/wf-assets-demo/assets/inventory.dataset/history');
    expect(history.status).toBe(200);
    expect(history.body).toMatchObject({
      data: { assetId: 'inventory.dataset', history: [], limit: 10, partitionKey: null },
      meta: { nextCursor: null },
    });
  });

  it('scenario 2: inventory and history follow the newest run', async () => {
    const steps = (count: number) => [
      { stepId: 'asset-producer', assets: [{ assetId: 'inventory.dataset', payload: { count } }] },
      { stepId: 'asset-consumer' },
    ];
    const first = await driver.run('wf-assets-demo', { parameters: { count: 7 } }, steps(7));
    const firstSeq = Math.max(
      first.runSeq,
      await driver.waitForMaterialization('wf-assets-demo', 'inventory.dataset', first.runId),
    );

    const inventory = await get(`/workflows/wf-assets-demo/assets?minSeq=${firstSeq}`);
    const entry = inventory.body.data.assets.find((a: { assetId: string }) => a.assetId === 'inventory.dataset');
    expect(entry).toMatchObject({
      available: true,
      producers: [{ stepId: 'asset-producer', workflowSlug: 'wf-assets-demo' }],
      consumers: [{ stepId: 'asset-consumer' }],
    });
    expect(entry.latest).toMatchObject({
      runId: first.runId,
      partitionKey: null,
      payload: { count: 7 },
      freshness: { ttlMs: 3600000 },
      schema: countSchema,
      stepId: 'asset-producer',
    });
    expect(entry.latest.eventSeq).toBeGreaterThan(first.completionSeqs[0]!);

    const second = await driver.run('wf-assets-demo', { parameters: { count: 11 } }, steps(11));
    const secondSeq = Math.max(
      second.runSeq,
      await driver.waitForMaterialization('wf-assets-demo', 'inventory.dataset', second.runId),
    );
    const latest = (await get(`/workflows/wf-assets-demo/assets?minSeq=${secondSeq}`)).body.data.assets[0].latest;
    expect(latest).toMatchObject({ runId: second.runId, payload: { count: 11 }, runStatus: 'succeeded' });

    const one = await get('/workflows/wf-assets-demo/assets/inventory.dataset/history?limit=1');
    expect(one.body.data).toMatchObject({
      limit: 1,
      producers: [{ stepId: 'asset-producer' }],
      consumers: [{ stepId: 'asset-consumer' }],
    });
    expect(one.body.data.history).toEqual([
      expect.objectContaining({ runId: second.runId, partitionKey: null, payload: { count: 11 } }),
    ]);
    const next = await get(
      `/workflows/wf-assets-demo/assets/inventory.dataset/history?limit=1&cursor=${one.body.meta.nextCursor}`,
    );
    expect(next.body.data.history.map((h: { runId: string }) => h.runId)).toEqual([first.runId]);
    expect(next.body.meta.nextCursor).toBeNull();

    const all = await get('/workflows/wf-assets-demo/assets/inventory.dataset/history');
    expect(all.body.data.history.map((h: { runId: string }) => h.runId)).toEqual([second.runId, first.runId]);

    const unknown = await get('/workflows/wf-assets-demo/assets/unknown.asset/history');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('asset_not_found');
  });

  it('scenario 3: static partitions by run key, history filtered by partition, upcoming keys listed', async () => {
    expect((await t.request('POST', '/workflows/wf-partition-demo/run', { body: {} })).body.code).toBe(
      'partition_key_required',
    );
    expect(
      (await t.request('POST', '/workflows/wf-partition-demo/run', { body: { partitionKey: '2024-09' } })).body.code,
    ).toBe('invalid_partition_key');
    const report = (value: number) => [
      { stepId: 'produce', assets: [{ assetId: 'reports.partitioned', payload: { value } }] },
    ];
    const first = await driver.run(
      'wf-partition-demo',
      { partitionKey: '2024-01', parameters: { value: 10 } },
      report(10),
    );
    const second = await driver.run(
      'wf-partition-demo',
      { partitionKey: '2024-02', parameters: { value: 20 } },
      report(20),
    );
    expect((await driver.getRun(first.runId)).partitionKey).toBe('2024-01');
    const seq = Math.max(
      await driver.waitForMaterialization('wf-partition-demo', 'reports.partitioned', second.runId),
      await driver.waitForMaterialization('wf-partition-demo', 'reports.partitioned', first.runId),
    );

    const latest = (await get('/workflows/wf-partition-demo/assets')).body.data.assets[0].latest;
    expect(latest).toMatchObject({ runId: second.runId, partitionKey: '2024-02' });
    const history = (await get('/workflows/wf-partition-demo/assets/reports.partitioned/history')).body.data.history;
    expect(history.map((h: { partitionKey: string }) => h.partitionKey).sort()).toEqual(['2024-01', '2024-02']);
    const filtered = await get('/workflows/wf-partition-demo/assets/reports.partitioned/history?partitionKey=2024-01');
    expect(filtered.body.data).toMatchObject({
      partitionKey: '2024-01',
      history: [expect.objectContaining({ runId: first.runId })],
    });
    expect(filtered.body.data.history).toHaveLength(1);

    const partitions = await get(
      `/workflows/wf-partition-demo/assets/reports.partitioned/partitions?lookback=3&minSeq=${seq}`,
    );
    expect(partitions.status).toBe(200);
    expect(partitions.body.data.partitioning.type).toBe('static');
    expect(partitions.body.data.partitions).toEqual([
      expect.objectContaining({
        partitionKey: '2024-01',
        materializations: 1,
        latest: expect.objectContaining({ runId: first.runId }),
        isStale: false,
        parameters: { value: 10 },
        parametersSource: 'workflow-run',
      }),
      expect.objectContaining({
        partitionKey: '2024-02',
        materializations: 1,
        latest: expect.objectContaining({ runId: second.runId }),
      }),
      expect.objectContaining({
        partitionKey: '2024-03',
        materializations: 0,
        latest: null,
        isStale: false,
        expiredAt: null,
      }),
    ]);
    // The total is answered only when asked for (counting reads every stored partition).
    expect(partitions.body.meta).toEqual({ nextCursor: null });
    const counted = await get(
      `/workflows/wf-partition-demo/assets/reports.partitioned/partitions?lookback=3&total=true`,
    );
    expect(counted.body.meta).toEqual({ nextCursor: null, total: 3 });
  });

  it('lists time windows newest first: upcoming days in the lookback, older materialized days after them, stable pages', async () => {
    const today = await driver.run('wf-daily', { partitionKey: dayKey(0) }, [
      { stepId: 'produce', assets: [{ assetId: 'metrics.daily', payload: { n: 1 } }] },
    ]);
    const old = await driver.run('wf-daily', { partitionKey: '2020-01-01' }, [
      { stepId: 'produce', assets: [{ assetId: 'metrics.daily', payload: { n: 0 } }] },
    ]);
    const seq = Math.max(
      await driver.waitForMaterialization('wf-daily', 'metrics.daily', today.runId),
      await driver.waitForMaterialization('wf-daily', 'metrics.daily', old.runId),
    );

    const listed = await get(`/workflows/wf-daily/assets/metrics.daily/partitions?lookback=3&total=true&minSeq=${seq}`);
    expect(
      listed.body.data.partitions.map((p: { partitionKey: string; materializations: number }) => [
        p.partitionKey,
        p.materializations,
      ]),
    ).toEqual([
      [dayKey(0), 1],
      [dayKey(1), 0],
      [dayKey(2), 0],
      ['2020-01-01', 1],
    ]);
    expect(listed.body.meta.total).toBe(4);

    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const page: {
        body: { data: { partitions: Array<{ partitionKey: string }> }; meta: { nextCursor: string | null } };
      } = await get(
        `/workflows/wf-daily/assets/metrics.daily/partitions?lookback=3&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      walked.push(...page.body.data.partitions.map((p) => p.partitionKey));
      cursor = page.body.meta.nextCursor;
    } while (cursor);
    expect(walked).toEqual([dayKey(0), dayKey(1), dayKey(2), '2020-01-01']);

    const defaultLookback = await get('/workflows/wf-daily/assets/metrics.daily/partitions?limit=200');
    expect(defaultLookback.body.data.partitions).toHaveLength(14 + 1);
  });

  it('refuses bad queries and unknown workflows or assets on every read', async () => {
    const cases: Array<[string, number, string]> = [
      ['/workflows/nope/assets', 404, 'workflow_not_found'],
      ['/workflows/wf-assets-demo/assets?limit=5', 400, 'invalid_query'],
      ['/workflows/nope/assets/inventory.dataset/history', 404, 'workflow_not_found'],
      ['/workflows/wf-assets-demo/assets/Inventory.Dataset/history', 404, 'asset_not_found'],
      ['/workflows/wf-assets-demo/assets/inventory.dataset/history?limit=0', 400, 'invalid_query'],
      ['/workflows/wf-assets-demo/assets/inventory.dataset/history?limit=101', 400, 'invalid_query'],
      ['/workflows/wf-assets-demo/assets/inventory.dataset/history?limit=ten', 400, 'invalid_query'],
      ['/workflows/wf-assets-demo/assets/inventory.dataset/history?cursor=not-a-cursor', 400, 'invalid_cursor'],
      ['/workflows/wf-assets-demo/assets/inventory.dataset/history?partitionKey=2024-01', 400, 'invalid_partition_key'],
      [
        '/workflows/wf-partition-demo/assets/reports.partitioned/history?partitionKey=2024-09',
        400,
        'invalid_partition_key',
      ],
      ['/workflows/wf-partition-demo/assets/reports.partitioned/history?partitionKey=', 400, 'invalid_query'],
      ['/workflows/nope/assets/x/partitions', 404, 'workflow_not_found'],
      ['/workflows/wf-daily/assets/unknown.asset/partitions', 404, 'asset_not_found'],
      ['/workflows/wf-daily/assets/metrics.daily/partitions?limit=201', 400, 'invalid_query'],
      ['/workflows/wf-daily/assets/metrics.daily/partitions?lookback=0', 400, 'invalid_query'],
      ['/workflows/wf-daily/assets/metrics.daily/partitions?lookback=10001', 400, 'invalid_query'],
      ['/workflows/wf-daily/assets/metrics.daily/partitions?cursor=eyJ4IjoxfQ', 400, 'invalid_cursor'],
      ['/workflows/wf-daily/assets/metrics.daily/partitions?minSeq=-1', 400, 'invalid_query'],
    ];
    for (const [path, status, code] of cases) {
      const response = await get(path);
      expect({ path, status: response.status, code: response.body.code }).toEqual({ path, status, code });
      expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    }
  });
});
