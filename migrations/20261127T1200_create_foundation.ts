import { sql, type Kysely } from 'kysely';

/** Checkpoints, dead letters and the workflow-definition read models. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('projection_checkpoint')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('last_seq', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('projection_dead_letter')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('projection', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text')
    .addColumn('event_type', 'text')
    .addColumn('error', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('projection_dead_letter_projection_seq_uq', ['projection', 'seq'])
    .execute();

  await db.schema
    .createTable('workflow_definition')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('definition', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_seq', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('workflow_asset_declarations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workflow_definition_id', 'text', (c) => c.notNull())
    .addColumn('workflow_slug', 'text', (c) => c.notNull())
    .addColumn('step_id', 'text', (c) => c.notNull())
    .addColumn('step_name', 'text')
    .addColumn('step_type', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull().check(sql`direction in ('produces', 'consumes')`))
    .addColumn('asset_id', 'text', (c) => c.notNull())
    .addColumn('asset_schema', 'jsonb')
    .addColumn('freshness', 'jsonb')
    .addColumn('auto_materialize', 'jsonb')
    .addColumn('partitioning', 'jsonb')
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('workflow_asset_declarations_wf_step_dir_asset_uq', [
      'workflow_definition_id',
      'step_id',
      'direction',
      'asset_id',
    ])
    .execute();
  await db.schema
    .createIndex('workflow_asset_declarations_asset_dir_idx')
    .on('workflow_asset_declarations')
    .columns(['asset_id', 'direction'])
    .execute();
  await db.schema
    .createIndex('workflow_asset_declarations_slug_idx')
    .on('workflow_asset_declarations')
    .columns(['workflow_slug', 'step_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'workflow_asset_declarations',
    'workflow_definition',
    'projection_dead_letter',
    'projection_checkpoint',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
