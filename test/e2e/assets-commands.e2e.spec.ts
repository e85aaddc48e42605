import { runDriver } from '../support/run-driver.js';
import { READER_TOKEN, RUNNER_TOKEN, startTestApp, WRITER_TOKEN, type TestApp } from '../support/test-app.js';

const workflow = {
  slug: 'wf-stale',
  name: 'Stale marks',
  steps: [
    {
      id: 'produce',
      jobSlug: 'ext-stale',
      produces: [
        { assetId: 'sales.monthly', partitioning: { type: 'static', keys: ['2024-01', '2024-02', '2024-03'] } },
        { assetId: 'sales.summary', freshness: { maxAgeMs: 1000 } },
      ],
    },
  ],
};

const base = '/workflows/wf-stale/assets';

describe('asset commands over HTTP: stale marks and stored partition parameters', () => {
  let t: TestApp;
  let driver: ReturnType<typeof runDriver>;
  const partition = async (key: string, minSeq?: number) => {
    const response = await t.request('GET', `${base}/sales.monthly/partitions${minSeq ? `?minSeq=${minSeq}` : ''}`, {
      token: null,
    });
    return response.body.data.partitions.find((p: { partitionKey: string }) => p.partitionKey === key);
  };

  beforeAll(async () => {
    t = await startTestApp();
    driver = runDriver(t);
    expect((await t.request('POST', '/workflows', { body: workflow, token: WRITER_TOKEN })).status).toBe(201);
  });
  afterAll(async () => {
    await t.close();
  });

  it('marks a partition stale (201 + event seq), records the trigger wish, and a new materialization clears the mark', async () => {
    const marked = await t.request('POST', `${base}/sales.monthly/stale?trigger=true`, {
      body: { partitionKey: '2024-01', note: ' bad numbers ' },
      token: RUNNER_TOKEN,
    });
    expect(marked.status).toBe(201);
    expect(marked.body.data).toEqual({
      assetId: 'sales.monthly',
      partitionKey: '2024-01',
      requestedBy: 'runner',
      requestedAt: expect.any(String),
      note: 'bad numbers',
      triggerRun: true,
    });
    expect(marked.headers.get('apphub-event-seq')).toBe(String(marked.body.meta.eventSeq));
    const event = await t.platform.store.readLast(t.platform.nats.subjects.asset('stale-marked', 'sales.monthly'));
    expect(event).toMatchObject({
      type: 'asset.stale.marked',
      seq: marked.body.meta.eventSeq,
      data: { triggerRun: true, workflowSlug: 'wf-stale' },
    });

    const stale = await partition('2024-01', marked.body.meta.eventSeq);
    expect(stale).toMatchObject({
      materializations: 0,
      isStale: true,
      staleReasons: ['manual'],
      staleMetadata: { requestedBy: 'runner', note: 'bad numbers' },
    });

    const { runId } = await driver.run('wf-stale', { partitionKey: '2024-01' }, [
      { stepId: 'produce', assets: [{ assetId: 'sales.monthly', payload: { total: 1 } }] },
    ]);
    const fresh = await partition('2024-01', await driver.waitForMaterialization('wf-stale', 'sales.monthly', runId));
    expect(fresh.materializations).toBe(1);
    expect(fresh).toMatchObject({ isStale: false, staleMetadata: null, latest: expect.objectContaining({ runId }) });
  });

  it('clears a stale mark with DELETE (204 + event seq header)', async () => {
    await t.request('POST', `${base}/sales.monthly/stale`, { body: { partitionKey: '2024-02' } });
    const cleared = await t.request('DELETE', `${base}/sales.monthly/stale?partitionKey=2024-02`);
    expect(cleared.status).toBe(204);
    const seq = Number(cleared.headers.get('apphub-event-seq'));
    expect(seq).toBeGreaterThan(0);
    expect(await partition('2024-02', seq)).toMatchObject({ materializations: 0, isStale: false, staleMetadata: null });
  });

  it('reports an unpartitioned asset older than maxAgeMs as stale', async () => {
    const { runId } = await driver.run('wf-stale', { partitionKey: '2024-03' }, [
      {
        stepId: 'produce',
        // Produced an hour ago: older than its maxAgeMs (the smallest allowed is one second).
        assets: [{ assetId: 'sales.summary', payload: {}, producedAt: new Date(Date.now() - 3_600_000).toISOString() }],
      },
    ]);
    const seq = await driver.waitForMaterialization('wf-stale', 'sales.summary', runId);
    const listed = await t.request('GET', `${base}/sales.summary/partitions?minSeq=${seq}`, { token: null });
    expect(listed.body.data.partitions).toEqual([
      expect.objectContaining({ partitionKey: null, materializations: 1, isStale: true, staleReasons: ['max-age'] }),
    ]);
  });

  it('stores, shows and deletes manual partition parameters', async () => {
    const put = await t.request('PUT', `${base}/sales.monthly/partition-parameters`, {
      body: { partitionKey: '2024-03', parameters: { region: 'eu' } },
    });
    expect(put.status).toBe(200);
    expect(put.body.data).toEqual({
      assetId: 'sales.monthly',
      partitionKey: '2024-03',
      parameters: { region: 'eu' },
      source: 'manual',
      updatedAt: expect.any(String),
    });
    expect(await partition('2024-03', put.body.meta.eventSeq)).toMatchObject({
      parameters: { region: 'eu' },
      parametersSource: 'manual',
      materializations: 0,
    });

    const { runId } = await driver.run('wf-stale', { partitionKey: '2024-03', parameters: { region: 'us' } }, [
      { stepId: 'produce', assets: [{ assetId: 'sales.monthly', payload: { total: 3 } }] },
    ]);
    const kept = await partition('2024-03', await driver.waitForMaterialization('wf-stale', 'sales.monthly', runId));
    expect(kept.materializations).toBe(1);
    expect(kept).toMatchObject({ parameters: { region: 'eu' }, parametersSource: 'manual' });

    const deleted = await t.request('DELETE', `${base}/sales.monthly/partition-parameters?partitionKey=2024-03`);
    expect(deleted.status).toBe(204);
    expect(await partition('2024-03', Number(deleted.headers.get('apphub-event-seq')))).toMatchObject({
      parameters: null,
      parametersSource: null,
    });
  });

  it('refuses bad commands with problem+json and appends nothing', async () => {
    const before = await t.platform.store.lastSequence();
    const cases: Array<[string, string, { body?: unknown; token?: string | null }, number, string]> = [
      ['POST', `${base}/sales.monthly/stale`, { body: { partitionKey: '2024-01' }, token: null }, 401, 'unauthorized'],
      [
        'POST',
        `${base}/sales.monthly/stale`,
        { body: { partitionKey: '2024-01' }, token: READER_TOKEN },
        403,
        'forbidden',
      ],
      [
        'POST',
        `${base}/sales.monthly/stale`,
        { body: { partitionKey: '2024-01' }, token: WRITER_TOKEN },
        403,
        'forbidden',
      ],
      ['POST', `${base}/sales.monthly/stale`, { body: {} }, 400, 'partition_key_required'],
      ['POST', `${base}/sales.monthly/stale`, { body: { partitionKey: '2024-13' } }, 400, 'invalid_partition_key'],
      ['POST', `${base}/sales.summary/stale`, { body: { partitionKey: '2024-01' } }, 400, 'invalid_partition_key'],
      [
        'POST',
        `${base}/sales.monthly/stale`,
        { body: { partitionKey: '2024-01', reason: 'x' } },
        400,
        'invalid_request',
      ],
      [
        'POST',
        `${base}/sales.monthly/stale`,
        { body: { partitionKey: '2024-01', note: 'x'.repeat(501) } },
        400,
        'invalid_request',
      ],
      [
        'POST',
        `${base}/sales.monthly/stale?trigger=maybe`,
        { body: { partitionKey: '2024-01' } },
        400,
        'invalid_query',
      ],
      ['POST', `${base}/unknown.asset/stale`, { body: {} }, 404, 'asset_not_found'],
      ['POST', '/workflows/nope/assets/sales.monthly/stale', { body: {} }, 404, 'workflow_not_found'],
      ['DELETE', `${base}/sales.monthly/stale`, { token: null }, 401, 'unauthorized'],
      ['DELETE', `${base}/sales.monthly/stale`, {}, 400, 'partition_key_required'],
      ['DELETE', `${base}/sales.monthly/stale?partitionKey=2024-01&x=1`, {}, 400, 'invalid_query'],
      [
        'PUT',
        `${base}/sales.monthly/partition-parameters`,
        { body: { partitionKey: '2024-01', parameters: {} }, token: READER_TOKEN },
        403,
        'forbidden',
      ],
      [
        'PUT',
        `${base}/sales.monthly/partition-parameters`,
        { body: { partitionKey: '2024-01' } },
        400,
        'invalid_request',
      ],
      [
        'PUT',
        `${base}/sales.monthly/partition-parameters`,
        { body: { partitionKey: '2024-01', parameters: [1] } },
        400,
        'invalid_request',
      ],
      [
        'PUT',
        `${base}/sales.monthly/partition-parameters`,
        { body: { parameters: {} } },
        400,
        'partition_key_required',
      ],
      [
        'PUT',
        `${base}/sales.monthly/partition-parameters`,
        { body: { partitionKey: 'nope', parameters: {} } },
        400,
        'invalid_partition_key',
      ],
      [
        'PUT',
        `${base}/sales.monthly/partition-parameters`,
        { body: { partitionKey: '2024-01', parameters: {}, extra: 1 } },
        400,
        'invalid_request',
      ],
      [
        'PUT',
        '/workflows/nope/assets/sales.monthly/partition-parameters',
        { body: { parameters: {} } },
        404,
        'workflow_not_found',
      ],
      ['DELETE', `${base}/sales.monthly/partition-parameters?partitionKey=2024-09`, {}, 400, 'invalid_partition_key'],
      ['DELETE', `${base}/Sales.Monthly/partition-parameters?partitionKey=2024-01`, {}, 404, 'asset_not_found'],
    ];
    for (const [method, path, options, status, code] of cases) {
      const response = await t.request(method, path, options);
      expect({ method, path, status: response.status, code: response.body?.code }).toEqual({
        method,
        path,
        status,
        code,
      });
    }
    expect(await t.platform.store.lastSequence()).toBe(before);
  });
});
