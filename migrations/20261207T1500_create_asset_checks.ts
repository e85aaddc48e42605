import { sql, type Kysely } from 'kysely';

/** Asset check results (DESIGN §14): one row per `asset.check.evaluated`, keyed by event id. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('asset_check')
    .addColumn('event_id', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('workflow_slug', 'text', (c) => c.notNull())
    .addColumn('asset_id', 'text', (c) => c.notNull())
    .addColumn('partition_key', 'text')
    .addColumn('produced_event_id', 'text', (c) => c.notNull())
    .addColumn('workflow_run_id', 'text', (c) => c.notNull())
    .addColumn('check_name', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('blocking', 'boolean', (c) => c.notNull())
    .addColumn('passed', 'boolean', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('metadata', 'jsonb')
    .addColumn('violations', 'jsonb', (c) => c.notNull())
    .addColumn('produced_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await sql`create index asset_check_asset_idx on asset_check (workflow_slug, asset_id, seq desc)`.execute(db);
  await sql`create index asset_check_produced_idx on asset_check (produced_event_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('asset_check').ifExists().execute();
}
