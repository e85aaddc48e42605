import { sql, type Kysely } from 'kysely';

/**
 * A failed blocking check stops automatic runs downstream of it (issue 20): each materializer target keeps its
 * blocked inputs and an expiry held until they pass, in `materializer_target.check_block` (null: not blocked).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table materializer_target add column check_block jsonb`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table materializer_target drop column check_block`.execute(db);
}
