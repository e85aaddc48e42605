import { sql, type Kysely } from 'kysely';

/**
 * Backfill triggers with different parameters are no longer folded into one follow-up run (issue 17 item 3): each
 * waits in order behind the pending one, in `materializer_target.queued`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table materializer_target add column queued jsonb not null default '[]'::jsonb`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table materializer_target drop column queued`.execute(db);
}
