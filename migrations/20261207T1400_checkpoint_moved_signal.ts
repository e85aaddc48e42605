import { sql, type Kysely } from 'kysely';

/**
 * `projection_checkpoint_moved(consumer)` raises SQLSTATE `AH409`: a read-model batch written as one statement
 * (rows and checkpoint together) calls it when its checkpoint guard finds another writer moved the checkpoint, so
 * the whole statement, rows included, rolls back.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create or replace function projection_checkpoint_moved(consumer text) returns void language plpgsql as $$
    begin
      raise exception 'checkpoint of % moved', consumer using errcode = 'AH409';
    end
  $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function if exists projection_checkpoint_moved(text)`.execute(db);
}
