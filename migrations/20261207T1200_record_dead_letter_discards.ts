import { sql, type Kysely } from 'kysely';

/**
 * Dead letters an operator discarded (`npm run dead-letters -- discard`): the letter as it was, who discarded it and
 * why, so a consumer's dead letters can return to 0 without SQL and without losing the record.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('dead_letter_discard')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('consumer', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text')
    .addColumn('event_type', 'text')
    .addColumn('error', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('dead_lettered_at', 'timestamptz', (c) => c.notNull())
    .addColumn('discarded_by', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('discarded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('dead_letter_discard').ifExists().execute();
}
