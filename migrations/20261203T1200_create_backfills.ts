import { sql, type Kysely } from 'kysely';

/**
 * Backfills (DESIGN §12): the backfill manager's state (written with its checkpoint: active backfills and their
 * released, unfinished partitions) and the read model behind `GET /workflows/:slug/backfills[/:id]` (one row per
 * backfill with its counts, one per partition, and the runs in flight that serve backfill partitions).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('backfill_manager_backfill')
    .addColumn('backfill_id', 'text', (c) => c.primaryKey())
    .addColumn('workflow_slug', 'text', (c) => c.notNull())
    .addColumn('request', 'jsonb', (c) => c.notNull())
    .addColumn('progress', 'jsonb', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('backfill_manager_partition')
    .addColumn('backfill_id', 'text', (c) => c.notNull())
    .addColumn('partition_key', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text')
    .addPrimaryKeyConstraint('backfill_manager_partition_pkey', ['backfill_id', 'partition_key'])
    .execute();

  await db.schema
    .createTable('backfill')
    .addColumn('backfill_id', 'text', (c) => c.primaryKey())
    .addColumn('workflow_slug', 'text', (c) => c.notNull())
    .addColumn('asset_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('range', 'jsonb')
    .addColumn('parameters', 'jsonb')
    .addColumn('max_concurrent_runs', 'integer', (c) => c.notNull())
    .addColumn('partition_count', 'integer', (c) => c.notNull())
    .addColumn('queued', 'integer', (c) => c.notNull())
    .addColumn('requested', 'integer', (c) => c.notNull())
    .addColumn('waiting', 'integer', (c) => c.notNull())
    .addColumn('running', 'integer', (c) => c.notNull())
    .addColumn('succeeded', 'integer', (c) => c.notNull())
    .addColumn('failed', 'integer', (c) => c.notNull())
    .addColumn('canceled', 'integer', (c) => c.notNull())
    .addColumn('skipped', 'integer', (c) => c.notNull())
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('canceled_by', 'text')
    .addColumn('canceled_at', 'timestamptz')
    .addColumn('completed_at', 'timestamptz')
    .addColumn('requested_seq', 'bigint', (c) => c.notNull())
    .addColumn('last_seq', 'bigint', (c) => c.notNull())
    .execute();
  await sql`create index backfill_workflow_seq_idx on backfill (workflow_slug, requested_seq desc)`.execute(db);

  await db.schema
    .createTable('backfill_partition')
    .addColumn('backfill_id', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('partition_key', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text')
    .addColumn('detail', 'text')
    .addColumn('requested_at', 'timestamptz')
    .addColumn('completed_at', 'timestamptz')
    .addColumn('last_seq', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('backfill_partition_pkey', ['backfill_id', 'position'])
    .addUniqueConstraint('backfill_partition_key_uq', ['backfill_id', 'partition_key'])
    .execute();

  await db.schema
    .createTable('backfill_run')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('backfill_id', 'text', (c) => c.notNull())
    .addColumn('partition_key', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('backfill_run_pkey', ['run_id', 'backfill_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'backfill_run',
    'backfill_partition',
    'backfill',
    'backfill_manager_partition',
    'backfill_manager_backfill',
  ])
    await db.schema.dropTable(table).ifExists().execute();
}
