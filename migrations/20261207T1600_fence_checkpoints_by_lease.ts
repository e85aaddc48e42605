import { sql, type Kysely } from 'kysely';

/**
 * Fencing of consumer writes by lease: each checkpoint row remembers the lease (owner and KV revision) of the last
 * write, and `projection_lease_fenced(consumer)` raises SQLSTATE `AH410` for a one-statement batch whose lease
 * revision is older than the one that already wrote (a leader that resumed after its lease went to another
 * process), so the whole statement, rows included, rolls back.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('projection_checkpoint')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_revision', 'bigint')
    .execute();
  await sql`create or replace function projection_lease_fenced(consumer text) returns void language plpgsql as $$
    begin
      raise exception 'a newer lease of % already wrote', consumer using errcode = 'AH410';
    end
  $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function if exists projection_lease_fenced(text)`.execute(db);
  await db.schema.alterTable('projection_checkpoint').dropColumn('lease_owner').dropColumn('lease_revision').execute();
}
