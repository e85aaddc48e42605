import { sql, type Kysely } from 'kysely';

/**
 * Partition listings order keys by code point (`collate "C"`, B14). The order index held the keys in the
 * database's default collation, so a page had to sort every partition of the asset; with the key in "C" order the
 * index is the listing order and a page reads only its own rows. The same for the per-asset stale partitions of the
 * graph. Index names stay as they were. `asset_partition_asset_idx` goes: every read by asset and newest
 * materialization uses the partial `asset_partition_asset_latest_idx`, and each index costs every partition write.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists asset_partition_order_idx`.execute(db);
  await sql`create index asset_partition_order_idx on asset_partition (workflow_slug, asset_id, sort_key desc, partition_key_norm collate "C")`.execute(
    db,
  );
  await sql`drop index if exists asset_partition_flagged_idx`.execute(db);
  await sql`create index asset_partition_flagged_idx on asset_partition (asset_id, workflow_slug, sort_key desc, partition_key_norm collate "C") where stale_requested_at is not null or expired_at is not null`.execute(
    db,
  );
  await sql`drop index if exists asset_partition_asset_idx`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`create index if not exists asset_partition_asset_idx on asset_partition (asset_id, latest_produced_at desc)`.execute(
    db,
  );
  await sql`drop index if exists asset_partition_flagged_idx`.execute(db);
  await sql`create index asset_partition_flagged_idx on asset_partition (asset_id) where stale_requested_at is not null or expired_at is not null`.execute(
    db,
  );
  await sql`drop index if exists asset_partition_order_idx`.execute(db);
  await sql`create index asset_partition_order_idx on asset_partition (workflow_slug, asset_id, sort_key desc, partition_key_norm)`.execute(
    db,
  );
}
