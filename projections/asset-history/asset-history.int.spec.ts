import { anAssetProduced } from '../../test/support/builders/asset-events.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { assetHistoryProjection } from './asset-history.projection.js';

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
});

const history = (slug: string) =>
  t.db
    .selectFrom('asset_materialization')
    .select(['event_id', 'seq', 'partition_key', 'payload', 'produced_at', 'parameters'])
    .where('workflow_slug', '=', slug)
    .orderBy('seq')
    .execute();

describe('asset_history projection', () => {
  it('stores one row per asset.produced with its payload, key and parameters', async () => {
    const event = anAssetProduced({
      workflowSlug: 'wf-h1',
      partitionKey: '2024-01',
      seq: 5,
      payload: { count: 7 },
      parameters: { a: 1 },
      producedAt: '2025-01-02T03:04:05.678Z',
    });
    await t.db.transaction().execute((tx) => assetHistoryProjection.project(event, tx));
    expect(await history('wf-h1')).toEqual([
      {
        event_id: event.id,
        seq: 5,
        partition_key: '2024-01',
        payload: { count: 7 },
        produced_at: new Date('2025-01-02T03:04:05.678Z'),
        parameters: { a: 1 },
      },
    ]);
  });

  it('changes nothing for a duplicate event id, delivered again alone, in a batch or re-appended later', async () => {
    const first = anAssetProduced({ workflowSlug: 'wf-h2', seq: 10, payload: { count: 1 } });
    const second = anAssetProduced({ workflowSlug: 'wf-h2', seq: 11, payload: { count: 2 } });
    await t.db.transaction().execute((tx) => assetHistoryProjection.projectBatch!([first, second, first], tx));
    await t.db.transaction().execute((tx) => assetHistoryProjection.project(first, tx));
    await t.db
      .transaction()
      .execute((tx) =>
        assetHistoryProjection.project({ ...first, seq: 12, data: { ...first.data, payload: { count: 99 } } }, tx),
      );
    expect((await history('wf-h2')).map((row) => [row.seq, row.payload])).toEqual([
      [10, { count: 1 }],
      [11, { count: 2 }],
    ]);
  });

  it('keeps a null payload as null', async () => {
    const event = anAssetProduced({ workflowSlug: 'wf-h3', seq: 20, payload: null });
    await t.db.transaction().execute((tx) => assetHistoryProjection.project(event, tx));
    expect((await history('wf-h3'))[0]!.payload).toBeNull();
  });
});
