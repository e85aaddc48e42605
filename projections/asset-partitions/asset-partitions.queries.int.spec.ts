import { sql } from 'kysely';
import { pagePartitions } from '../../src/assets/partition-page.js';
import { upcomingPartitions } from '../../src/assets/upcoming-partitions.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { latestPartitionsOfAsset, listCatalogAssetIds } from './asset-catalog.queries.js';
import { existingPartitionKeys, listPartitionsAfter } from './asset-partitions.queries.js';

const PARTITIONS = 100_000;
const DAY_MS = 86_400_000;
const START = Date.parse('2000-01-01T00:00:00Z');

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
  // 100k daily partitions of one asset (2000-01-01 onwards), every one materialized once.
  await sql`
    insert into asset_partition (workflow_slug, asset_id, partition_key_norm, partition_key, sort_key, materializations, latest_event_id, latest_seq, latest_produced_at, first_seen_seq, last_seq)
    select 'wf-big', 'big.daily', d, d, extract(epoch from day) * 1000, 1, 'e' || i, i, day, i, i
    from generate_series(0, ${PARTITIONS - 1}) as i,
         lateral (select timestamptz '2000-01-01 00:00:00+00' + i * interval '1 day' as day) as s,
         lateral (select to_char(s.day at time zone 'UTC', 'YYYY-MM-DD') as d) as k`.execute(t.db);
  await sql`analyze asset_partition`.execute(t.db);
}, 120_000);
afterAll(async () => {
  await t.drop();
});

const slug = 'wf-big';
const assetId = 'big.daily';
const day = (index: number) => new Date(START + index * DAY_MS).toISOString().slice(0, 10);

describe('partition queries at 100k partitions per asset', () => {
  it('pages newest first with a keyset cursor', async () => {
    const source = {
      known: (after: Parameters<typeof listPartitionsAfter>[1]['after'], limit: number) =>
        listPartitionsAfter(t.db, { slug, assetId, limit, ...(after ? { after } : {}) }),
      existing: (keys: string[]) => existingPartitionKeys(t.db, slug, assetId, keys),
    };
    const upcoming = upcomingPartitions(
      { type: 'timeWindow', granularity: 'day' },
      { now: new Date(START + (PARTITIONS + 2) * DAY_MS), lookback: 5 },
    );
    const first = await pagePartitions(source, upcoming, undefined, 50);
    const second = await pagePartitions(source, upcoming, first.next!, 50);
    const keys = [...first.items, ...second.items].map((item) =>
      item.kind === 'known' ? item.record.partitionKey : item.partitionKey,
    );
    expect(keys.slice(0, 4)).toEqual([day(PARTITIONS + 2), day(PARTITIONS + 1), day(PARTITIONS), day(PARTITIONS - 1)]);
    expect(keys).toHaveLength(100);
    expect(new Set(keys).size).toBe(100);
  });

  it('uses the order index for a deep page', async () => {
    const plan = await sql<{ 'QUERY PLAN': string }>`explain select partition_key from asset_partition
      where workflow_slug = ${slug} and asset_id = ${assetId} and sort_key <= 1e12 and (sort_key < 1e12 or partition_key_norm collate "C" > '')
      order by sort_key desc, partition_key_norm collate "C" limit 51`.execute(t.db);
    expect(plan.rows.map((row) => row['QUERY PLAN']).join('\n')).toMatch(/asset_partition_order_idx/);
    const deep = await listPartitionsAfter(t.db, {
      slug,
      assetId,
      limit: 51,
      after: { sortKey: START + 1000 * DAY_MS, keyNorm: day(1000) },
    });
    expect(deep[0]!.partitionKey).toBe(day(999));
  });

  it('pages the latest materializations of the asset across workflows by (producedAt, seq)', async () => {
    const first = await latestPartitionsOfAsset(t.db, assetId, { limit: 2 });
    expect(first.map((r) => r.partitionKey)).toEqual([day(PARTITIONS - 1), day(PARTITIONS - 2)]);
    const next = await latestPartitionsOfAsset(t.db, assetId, {
      limit: 2,
      before: { producedAt: first[1]!.latestProducedAt!, seq: first[1]!.latestSeq! },
    });
    expect(next.map((r) => r.partitionKey)).toEqual([day(PARTITIONS - 3), day(PARTITIONS - 4)]);
  });

  it('lists catalog asset ids by code point from declarations and produced assets', async () => {
    await t.db
      .insertInto('asset_catalog')
      .values([
        { asset_id: 'big.daily', partition_count: PARTITIONS, materializations: PARTITIONS, last_seq: 1 },
        { asset_id: 'B.upper', partition_count: 0, materializations: 0, last_seq: 1 },
      ])
      .execute();
    expect(await listCatalogAssetIds(t.db, { limit: 10 })).toEqual(['B.upper', 'big.daily']);
    expect(await listCatalogAssetIds(t.db, { limit: 10, after: 'B.upper' })).toEqual(['big.daily']);
  });
});
