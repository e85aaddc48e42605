import { sql, type Kysely } from 'kysely';

/**
 * The OpenLineage emitter's state, written in the transaction of its checkpoint: a generation counter (bumped by
 * every batch, so an emitter can tell that another instance moved on while it did not hold the lease), the open
 * runs and what each workflow produces. State is stored as JSON text, not jsonb: jsonb reorders object keys, and the
 * order of a declared schema's properties is the order of the emitted `schema` facet fields.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('lineage_emitter')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('generation', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('lineage_run')
    .addColumn('run_id', 'text', (c) => c.primaryKey())
    .addColumn('workflow_slug', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('lineage_producer')
    .addColumn('workflow_slug', 'text', (c) => c.primaryKey())
    .addColumn('assets', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['lineage_producer', 'lineage_run', 'lineage_emitter']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
