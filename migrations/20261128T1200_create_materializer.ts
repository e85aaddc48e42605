import { sql, type Kysely } from 'kysely';

/** The materializer saga's state (written with its checkpoint) and the auto-materialize decisions read model. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('materializer_workflow')
    .addColumn('slug', 'text', (c) => c.primaryKey())
    .addColumn('definition', 'jsonb', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('materializer_consumer')
    .addColumn('asset_id', 'text', (c) => c.notNull())
    .addColumn('workflow_slug', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('materializer_consumer_pkey', ['asset_id', 'workflow_slug'])
    .execute();
  await db.schema
    .createIndex('materializer_consumer_slug_idx')
    .on('materializer_consumer')
    .column('workflow_slug')
    .execute();

  await db.schema
    .createTable('materializer_latest')
    .addColumn('workflow_slug', 'text', (c) => c.notNull())
    .addColumn('asset_id', 'text', (c) => c.notNull())
    .addColumn('partition_key_norm', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('produced_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('materializer_latest_pkey', ['workflow_slug', 'asset_id', 'partition_key_norm'])
    .execute();

  await db.schema
    .createTable('materializer_target')
    .addColumn('workflow_slug', 'text', (c) => c.notNull())
    .addColumn('partition_key_norm', 'text', (c) => c.notNull())
    .addColumn('partition_key', 'text')
    .addColumn('in_flight', 'jsonb')
    .addColumn('pending', 'jsonb')
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_eligible_at', 'text')
    .addPrimaryKeyConstraint('materializer_target_pkey', ['workflow_slug', 'partition_key_norm'])
    .execute();

  await db.schema
    .createTable('materializer_run')
    .addColumn('run_id', 'text', (c) => c.primaryKey())
    .addColumn('workflow_slug', 'text', (c) => c.notNull())
    .addColumn('partition_key', 'text')
    .addColumn('chain', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('materializer_parameters')
    .addColumn('workflow_slug', 'text', (c) => c.notNull())
    .addColumn('asset_id', 'text', (c) => c.notNull())
    .addColumn('partition_key_norm', 'text', (c) => c.notNull())
    .addColumn('parameters', 'jsonb')
    .addColumn('source', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('materializer_parameters_pkey', ['workflow_slug', 'asset_id', 'partition_key_norm'])
    .execute();
  await sql`create index materializer_parameters_target_idx on materializer_parameters (workflow_slug, partition_key_norm)`.execute(
    db,
  );

  await db.schema
    .createTable('materializer_seen_event')
    .addColumn('event_id', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('auto_materialize_decision')
    .addColumn('event_id', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('workflow_slug', 'text', (c) => c.notNull())
    .addColumn('asset_id', 'text', (c) => c.notNull())
    .addColumn('partition_key', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text')
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('cause_event_id', 'text', (c) => c.notNull())
    .addColumn('cause_seq', 'bigint', (c) => c.notNull())
    .addColumn('detail', 'text')
    .execute();
  await sql`create index auto_materialize_decision_slug_idx on auto_materialize_decision (workflow_slug, seq desc)`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'auto_materialize_decision',
    'materializer_seen_event',
    'materializer_parameters',
    'materializer_run',
    'materializer_target',
    'materializer_latest',
    'materializer_consumer',
    'materializer_workflow',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
