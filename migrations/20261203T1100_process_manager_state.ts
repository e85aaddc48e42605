import { sql, type Kysely } from 'kysely';

/**
 * The run executor keeps its state in memory while it holds its lease and writes it back here with its checkpoint:
 * the active runs, the produced assets of each workflow (its asset graph) and the availability of every asset
 * partition (for dependency checks that never wait for another read model). The relay now runs inside the
 * executor. The old executor tables go, and both old checkpoints are reset so the executor rebuilds its state from
 * the stream once (every effect it repeats is idempotent).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('run_executor_run')
    .addColumn('run_id', 'text', (c) => c.primaryKey())
    .addColumn('workflow_slug', 'text', (c) => c.notNull())
    .addColumn('state', 'jsonb', (c) => c.notNull())
    .addColumn('last_seq', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('run_executor_workflow')
    .addColumn('slug', 'text', (c) => c.primaryKey())
    .addColumn('produces', 'jsonb', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('run_executor_asset')
    .addColumn('asset_id', 'text', (c) => c.notNull())
    .addColumn('partition_key_norm', 'text', (c) => c.notNull())
    .addColumn('latest_event_id', 'text', (c) => c.notNull())
    .addColumn('expired', 'boolean', (c) => c.notNull())
    .addPrimaryKeyConstraint('run_executor_asset_pkey', ['asset_id', 'partition_key_norm'])
    .execute();
  await db.schema.dropTable('run_start_queue').ifExists().execute();
  await db.schema.dropTable('run_dependency_wait').ifExists().execute();
  await sql`delete from projection_checkpoint where name in ('run_executor', 'asset_relay')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['run_executor_asset', 'run_executor_workflow', 'run_executor_run'])
    await db.schema.dropTable(table).ifExists().execute();
}
