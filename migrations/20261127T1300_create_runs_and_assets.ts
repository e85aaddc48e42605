import { sql, type Kysely } from 'kysely';

/** Run history, asset materializations (history + per-partition status) and the run executor's state. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('workflow_run')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workflow_slug', 'text', (c) => c.notNull())
    .addColumn('workflow_definition_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('partition_key', 'text')
    .addColumn('run_key', 'text')
    .addColumn('triggered_by', 'text')
    .addColumn('trigger_type', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('completed_at', 'timestamptz')
    .addColumn('state', 'jsonb', (c) => c.notNull())
    .addColumn('requested_seq', 'bigint', (c) => c.notNull())
    .addColumn('last_seq', 'bigint', (c) => c.notNull())
    .execute();
  await sql`create index workflow_run_slug_seq_idx on workflow_run (workflow_slug, requested_seq desc)`.execute(db);
  await sql`create index workflow_run_slug_status_idx on workflow_run (workflow_slug, status, requested_seq desc)`.execute(
    db,
  );
  await sql`create index workflow_run_slug_trigger_idx on workflow_run (workflow_slug, trigger_type, requested_seq desc)`.execute(
    db,
  );
  await sql`create index workflow_run_slug_partition_idx on workflow_run (workflow_slug, partition_key, requested_seq desc)`.execute(
    db,
  );

  await db.schema
    .createTable('asset_materialization')
    .addColumn('event_id', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('asset_id', 'text', (c) => c.notNull())
    .addColumn('workflow_slug', 'text', (c) => c.notNull())
    .addColumn('workflow_definition_id', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('step_id', 'text', (c) => c.notNull())
    .addColumn('partition_key', 'text')
    .addColumn('produced_at', 'timestamptz', (c) => c.notNull())
    .addColumn('payload', 'jsonb')
    .addColumn('asset_schema', 'jsonb')
    .addColumn('freshness', 'jsonb')
    .addColumn('run_key', 'text')
    .addColumn('parameters', 'jsonb')
    .execute();
  await sql`create index asset_materialization_wf_asset_idx on asset_materialization (workflow_slug, asset_id, produced_at desc, seq desc)`.execute(
    db,
  );
  await sql`create index asset_materialization_wf_asset_pk_idx on asset_materialization (workflow_slug, asset_id, partition_key, produced_at desc, seq desc)`.execute(
    db,
  );
  await sql`create index asset_materialization_asset_idx on asset_materialization (asset_id, produced_at desc, seq desc)`.execute(
    db,
  );
  await sql`create index asset_materialization_run_idx on asset_materialization (run_id)`.execute(db);

  await db.schema
    .createTable('asset_partition')
    .addColumn('workflow_slug', 'text', (c) => c.notNull())
    .addColumn('asset_id', 'text', (c) => c.notNull())
    .addColumn('partition_key_norm', 'text', (c) => c.notNull())
    .addColumn('partition_key', 'text')
    .addColumn('sort_key', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('materializations', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('latest_event_id', 'text')
    .addColumn('latest_seq', 'bigint')
    .addColumn('latest_produced_at', 'timestamptz')
    .addColumn('latest_run_id', 'text')
    .addColumn('first_seen_seq', 'bigint', (c) => c.notNull())
    .addColumn('expired_at', 'timestamptz')
    .addColumn('expired_reason', 'text')
    .addColumn('stale_requested_at', 'timestamptz')
    .addColumn('stale_requested_by', 'text')
    .addColumn('stale_note', 'text')
    .addColumn('parameters', 'jsonb')
    .addColumn('parameters_source', 'text')
    .addColumn('parameters_captured_at', 'timestamptz')
    .addColumn('parameters_updated_at', 'timestamptz')
    .addColumn('last_seq', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('asset_partition_pkey', ['workflow_slug', 'asset_id', 'partition_key_norm'])
    .execute();
  await sql`create index asset_partition_order_idx on asset_partition (workflow_slug, asset_id, sort_key desc, partition_key_norm)`.execute(
    db,
  );
  await sql`create index asset_partition_asset_idx on asset_partition (asset_id, latest_produced_at desc)`.execute(db);

  await db.schema
    .createTable('run_start_queue')
    .addColumn('run_id', 'text', (c) => c.primaryKey())
    .addColumn('workflow_slug', 'text', (c) => c.notNull())
    .addColumn('priority', 'integer')
    .addColumn('requested_seq', 'bigint', (c) => c.notNull())
    .addColumn('started', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await sql`create index run_start_queue_order_idx on run_start_queue (workflow_slug, started, priority nulls last, requested_seq)`.execute(
    db,
  );

  await db.schema
    .createTable('run_dependency_wait')
    .addColumn('run_id', 'text', (c) => c.primaryKey())
    .addColumn('workflow_slug', 'text', (c) => c.notNull())
    .addColumn('step_id', 'text', (c) => c.notNull())
    .addColumn('asset_id', 'text', (c) => c.notNull())
    .addColumn('partition_key', 'text')
    .addColumn('wait_until', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('run_dependency_wait_asset_idx').on('run_dependency_wait').column('asset_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'run_dependency_wait',
    'run_start_queue',
    'asset_partition',
    'asset_materialization',
    'workflow_run',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
