import { sql, type Kysely } from 'kysely';

/**
 * For the asset read models: the event ids `asset_partitions` has applied (a late duplicate of an event changes
 * nothing), a per-asset catalog row (partition count and newest materialization across workflows, so `/assets`
 * never counts 100k partitions per request), and indexes for the per-asset and stale-partition reads.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('asset_partition_event')
    .addColumn('event_id', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('asset_catalog')
    .addColumn('asset_id', 'text', (c) => c.primaryKey())
    .addColumn('partition_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('materializations', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('latest_event_id', 'text')
    .addColumn('latest_seq', 'bigint')
    .addColumn('latest_produced_at', 'timestamptz')
    .addColumn('latest_workflow_slug', 'text')
    .addColumn('last_seq', 'bigint', (c) => c.notNull())
    .execute();
  await sql`create index asset_catalog_asset_c_idx on asset_catalog (asset_id collate "C")`.execute(db);

  await sql`create index asset_partition_asset_latest_idx on asset_partition (asset_id, latest_produced_at desc, latest_seq desc) where materializations > 0`.execute(
    db,
  );
  await sql`create index asset_partition_flagged_idx on asset_partition (asset_id) where stale_requested_at is not null or expired_at is not null`.execute(
    db,
  );
  await sql`create index workflow_asset_declarations_asset_c_idx on workflow_asset_declarations (asset_id collate "C")`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists workflow_asset_declarations_asset_c_idx`.execute(db);
  await sql`drop index if exists asset_partition_flagged_idx`.execute(db);
  await sql`drop index if exists asset_partition_asset_latest_idx`.execute(db);
  await db.schema.dropTable('asset_catalog').ifExists().execute();
  await db.schema.dropTable('asset_partition_event').ifExists().execute();
}
