import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../projections/database.js';
import { CONSUMER_TABLES } from '../events/consumer-store/index.js';

/** The schema a rebuild writes into; one rebuild at a time per database. */
export const SHADOW_SCHEMA = 'rebuild_shadow';

/** What a shadow schema was created for: a resumed rebuild must be for the same read models on the same stream. */
export interface ShadowManifest {
  projections: string[];
  /** Creation time of `<PREFIX>_EVENTS` (a recreated stream makes the shadow's checkpoint meaningless). */
  stream: string;
  /** First sequence replayed (`--from-seq`; 1 for a full rebuild). */
  fromSeq: number;
}

/** The manifest of an existing shadow schema, or null when there is none. */
export async function readManifest(db: Kysely<Database>): Promise<ShadowManifest | null> {
  const exists = await sql<{ found: boolean }>`
    select exists (select 1 from pg_tables where schemaname = ${SHADOW_SCHEMA} and tablename = 'rebuild_manifest') as found`.execute(
    db,
  );
  if (!exists.rows[0]!.found) return null;
  const rows = await sql<{ manifest: ShadowManifest }>`
    select manifest from ${sql.table(`${SHADOW_SCHEMA}.rebuild_manifest`)}`.execute(db);
  return rows.rows[0]?.manifest ?? null;
}

export function sameManifest(a: ShadowManifest, b: ShadowManifest): boolean {
  return (
    a.stream === b.stream &&
    a.fromSeq === b.fromSeq &&
    [...a.projections].sort().join() === [...b.projections].sort().join()
  );
}

/**
 * Creates empty copies of `tables` (same columns, defaults, check constraints, and the primary key and unique
 * constraints under the live names) plus the support tables. Secondary indexes come later
 * (`createSecondaryIndexes`): building them once over the full table is much cheaper than maintaining them row by
 * row during the replay, and the replay only reads through the primary keys.
 */
export async function createShadow(
  db: Kysely<Database>,
  tables: readonly string[],
  manifest: ShadowManifest,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await dropShadow(tx);
    await sql`create schema ${sql.id(SHADOW_SCHEMA)}`.execute(tx);
    for (const table of tables) {
      await sql`create table ${shadowTable(table)} (like ${sql.table(`public.${table}`)}
        including defaults including constraints including generated including identity including storage)`.execute(tx);
      for (const constraint of await indexConstraints(tx, table))
        await sql`alter table ${shadowTable(table)} add constraint ${sql.id(constraint.name)} ${sql.raw(constraint.definition)}`.execute(
          tx,
        );
    }
    // Its own checkpoints (so it can resume) and dead letters.
    for (const table of CONSUMER_TABLES)
      await sql`create table ${shadowTable(table)} (like ${sql.table(`public.${table}`)} including all)`.execute(tx);
    await sql`create table ${shadowTable('rebuild_manifest')} (manifest jsonb not null)`.execute(tx);
    await sql`insert into ${shadowTable('rebuild_manifest')} values (${JSON.stringify(manifest)}::jsonb)`.execute(tx);
  });
}

/** Creates the live tables' other indexes on the shadow copies, under the same names (skips ones that exist). */
export async function createSecondaryIndexes(db: Kysely<Database>, tables: readonly string[]): Promise<void> {
  for (const table of tables) {
    const indexes = await sql<{ name: string; definition: string; present: boolean }>`
      select i.relname as name, pg_get_indexdef(i.oid) as definition,
        exists (select 1 from pg_class s where s.relname = i.relname and s.relnamespace = ${SHADOW_SCHEMA}::regnamespace) as present
      from pg_index x join pg_class i on i.oid = x.indexrelid
      where x.indrelid = ${`public.${table}`}::regclass
        and not exists (select 1 from pg_constraint c where c.conindid = x.indexrelid)
      order by i.relname`.execute(db);
    for (const index of indexes.rows) {
      if (index.present) continue;
      const definition = index.definition.replace(/ ON (?:\S+\.)?(\S+) USING /, ` ON ${SHADOW_SCHEMA}.$1 USING `);
      await sql.raw(definition).execute(db);
    }
  }
}

/** Fresh planner statistics for the shadow tables (they move with the tables at the swap). */
export async function analyzeShadow(db: Kysely<Database>, tables: readonly string[]): Promise<void> {
  for (const table of tables) await sql`analyze ${shadowTable(table)}`.execute(db);
}

export async function dropShadow(db: Kysely<Database> | Transaction<Database>): Promise<void> {
  await sql`drop schema if exists ${sql.id(SHADOW_SCHEMA)} cascade`.execute(db);
}

/** `rebuild_shadow.<table>`. */
export function shadowTable(table: string) {
  return sql.table(`${SHADOW_SCHEMA}.${table}`);
}

/** Makes unqualified table names resolve to the shadow copies first (for this transaction). */
export async function useShadow(tx: Transaction<Database>): Promise<void> {
  await sql`select set_config('search_path', ${`${SHADOW_SCHEMA}, public`}, true)`.execute(tx);
}

/** Primary key, unique and exclusion constraints of a live table, with their definitions. */
async function indexConstraints(
  tx: Transaction<Database>,
  table: string,
): Promise<Array<{ name: string; definition: string }>> {
  const rows = await sql<{ name: string; definition: string }>`
    select conname as name, pg_get_constraintdef(oid) as definition from pg_constraint
    where conrelid = ${`public.${table}`}::regclass and contype in ('p', 'u', 'x') order by conname`.execute(tx);
  return rows.rows;
}
