import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from '../../../projections/database.js';

type Db = Kysely<Database> | Transaction<Database>;

/** The tables of this store that a read-model rebuild copies into its shadow schema (its own positions, dead letters). */
export const CONSUMER_TABLES = ['projection_checkpoint', 'projection_dead_letter'] as const;

/** Every consumer's position, for a listener on its own `pg` connection (read-your-writes catch-up). */
export const SELECT_ALL_CHECKPOINTS = 'select name, last_seq from projection_checkpoint';

/** Where a rebuild keeps its positions: the live tables (`public`) or its shadow schema. */
function checkpointTable(schema: string | undefined) {
  return sql.table(schema ? `${schema}.projection_checkpoint` : 'projection_checkpoint');
}

/** A consumer's position; 0 before it has one. */
export async function checkpointOf(db: Db, name: string): Promise<number> {
  const row = await db
    .selectFrom('projection_checkpoint')
    .select('last_seq')
    .where('name', '=', name)
    .executeTakeFirst();
  return row?.last_seq ?? 0;
}

/** The positions of these consumers (every consumer's without `names`); absent = none yet. `schema`: see above. */
export async function checkpointPositions(
  db: Db,
  names?: readonly string[],
  schema?: string,
): Promise<Map<string, number>> {
  const only = names ? sql`where name = any(${[...names]}::text[])` : sql``;
  const { rows } = await sql<{ name: string; last_seq: string | number }>`
    select name, last_seq from ${checkpointTable(schema)} ${only}`.execute(db);
  return new Map(rows.map((row) => [row.name, Number(row.last_seq)]));
}

/** A select-list expression: these consumers' positions as a JSON array of `{ name, last_seq }` (or null). */
export function positionsJson(names: readonly string[]): RawBuilder<Array<{ name: string; last_seq: number }> | null> {
  return sql`(select json_agg(json_build_object('name', name, 'last_seq', last_seq)) from projection_checkpoint
    where name = any(${[...names]}::text[]))`;
}

/** A select-list expression: the furthest position of these consumers (0 when none has one). */
export function furthestPosition(names: readonly string[]): RawBuilder<number> {
  return sql`(select coalesce(max(last_seq), 0) from projection_checkpoint where name = any(${[...names]}::text[]))`;
}

/**
 * Sets these consumers' positions to `seq` (created if missing): a rebuild starting its shadow copy at `--from-seq`,
 * and its swap moving the live positions to the copy's. Not for a leased runner's own checkpoint (`saveCheckpoint`).
 */
export async function setCheckpoints(db: Db, names: readonly string[], seq: number, schema?: string): Promise<void> {
  await sql`insert into ${checkpointTable(schema)} (name, last_seq)
    select name, ${seq}::bigint from unnest(${[...names]}::text[]) as name
    on conflict (name) do update set last_seq = excluded.last_seq, updated_at = now()`.execute(db);
}

/** Moves a consumer's position back to `seq` if it is further (created at `seq` if missing). */
export async function lowerCheckpoint(db: Db, name: string, seq: number): Promise<void> {
  await db
    .insertInto('projection_checkpoint')
    .values({ name, last_seq: seq })
    .onConflict((oc) =>
      oc.column('name').doUpdateSet({
        last_seq: sql`least(projection_checkpoint.last_seq, excluded.last_seq)`,
        updated_at: sql`now()`,
      }),
    )
    .execute();
}

/** Removes every trace of a throwaway consumer (a replay's): its position and its dead letters. */
export async function forgetConsumer(db: Kysely<Database>, name: string): Promise<void> {
  await db.deleteFrom('projection_checkpoint').where('name', '=', name).execute();
  await db.deleteFrom('projection_dead_letter').where('projection', '=', name).execute();
}
