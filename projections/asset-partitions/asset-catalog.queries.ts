import { sql, type Kysely } from 'kysely';
import type { HistoryPosition } from '../asset-history/asset-history.queries.js';
import type { Database } from '../database.js';
import { readInIndexOrder } from '../index-order.js';
import { toPartitionRecord, type PartitionRecord } from './asset-partitions.queries.js';

/** Per-asset totals across workflows. */
export interface CatalogEntry {
  assetId: string;
  /** Workflow × partition pairs with at least one materialization. */
  partitionCount: number;
  materializations: number;
  latestEventId: string | null;
}

/**
 * Asset ids known anywhere — declared by a workflow or produced — by code point after `after`: a keyset page over
 * the two `collate "C"` indexes, never a scan of partitions.
 */
export async function listCatalogAssetIds(
  db: Kysely<Database>,
  options: { after?: string; limit: number },
): Promise<string[]> {
  const after = options.after ?? null;
  const result = await sql<{ asset_id: string }>`
    select asset_id from (
      (select distinct asset_id collate "C" as asset_id from workflow_asset_declarations
        where ${after}::text is null or asset_id collate "C" > ${after} order by 1 limit ${options.limit})
      union
      (select asset_id collate "C" from asset_catalog
        where ${after}::text is null or asset_id collate "C" > ${after} order by 1 limit ${options.limit})
    ) ids order by asset_id limit ${options.limit}`.execute(db);
  return result.rows.map((row) => row.asset_id);
}

/** Catalog rows of these assets (assets never produced have none). */
export async function catalogEntries(
  db: Kysely<Database>,
  assetIds: readonly string[],
): Promise<Map<string, CatalogEntry>> {
  if (assetIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('asset_catalog')
    .select(['asset_id', 'partition_count', 'materializations', 'latest_event_id'])
    .where('asset_id', 'in', [...assetIds])
    .execute();
  return new Map(
    rows.map((row) => [
      row.asset_id,
      {
        assetId: row.asset_id,
        partitionCount: row.partition_count,
        materializations: row.materializations,
        latestEventId: row.latest_event_id,
      },
    ]),
  );
}

const PARTITION_COLUMNS = sql`workflow_slug, asset_id, partition_key, partition_key_norm, sort_key, materializations, latest_event_id, latest_seq,
  latest_produced_at, expired_at, expired_reason, stale_requested_at, stale_requested_by, stale_note, parameters, parameters_source, parameters_updated_at`;

/** Materialized partitions of an asset across workflows, newest latest materialization first, after `before`. */
export async function latestPartitionsOfAsset(
  db: Kysely<Database>,
  assetId: string,
  options: { before?: HistoryPosition; limit: number },
): Promise<PartitionRecord[]> {
  const before = options.before
    ? sql`and (latest_produced_at, latest_seq) < (${options.before.producedAt}::timestamptz, ${options.before.seq})`
    : sql``;
  const result = await readInIndexOrder(db, (tx) =>
    sql<Parameters<typeof toPartitionRecord>[0]>`
      select ${PARTITION_COLUMNS} from asset_partition
      where asset_id = ${assetId} and materializations > 0 ${before}
      order by latest_produced_at desc, latest_seq desc limit ${options.limit}`.execute(tx),
  );
  return result.rows.map(toPartitionRecord);
}

/** Up to `perAsset` materialized partitions of each asset (across workflows), newest first. */
export async function newestPartitionsPerAsset(
  db: Kysely<Database>,
  assetIds: readonly string[],
  perAsset: number,
): Promise<PartitionRecord[]> {
  if (assetIds.length === 0) return [];
  const result = await readInIndexOrder(db, (tx) =>
    sql<Parameters<typeof toPartitionRecord>[0]>`
    select p.* from unnest(${[...assetIds]}::text[]) as a(id)
    cross join lateral (
      select ${PARTITION_COLUMNS} from asset_partition
      where asset_id = a.id and materializations > 0
      order by latest_produced_at desc, latest_seq desc limit ${perAsset}
    ) p`.execute(tx),
  );
  return result.rows.map(toPartitionRecord);
}

/** Up to `perAsset` partitions of each asset that are marked stale or whose latest materialization expired. */
export async function flaggedPartitionsPerAsset(
  db: Kysely<Database>,
  assetIds: readonly string[],
  perAsset: number,
): Promise<PartitionRecord[]> {
  if (assetIds.length === 0) return [];
  const result = await readInIndexOrder(db, (tx) =>
    sql<Parameters<typeof toPartitionRecord>[0]>`
    select p.* from unnest(${[...assetIds]}::text[]) as a(id)
    cross join lateral (
      select ${PARTITION_COLUMNS} from asset_partition
      where asset_id = a.id and (stale_requested_at is not null or expired_at is not null)
      order by asset_id, workflow_slug, sort_key desc, partition_key_norm collate "C" limit ${perAsset}
    ) p`.execute(tx),
  );
  return result.rows.map(toPartitionRecord);
}

/** Newest `producedAt` of every produced asset (one row per asset id, not per partition). */
export async function newestProductions(db: Kysely<Database>): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom('asset_catalog')
    .select(['asset_id', 'latest_produced_at'])
    .where('latest_produced_at', 'is not', null)
    .execute();
  return new Map(rows.map((row) => [row.asset_id, row.latest_produced_at!.toISOString()]));
}
