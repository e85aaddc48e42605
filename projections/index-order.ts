import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './database.js';

/**
 * Connections whose sessions price sorts and sequential scans out already (`PAGE_READ_SESSION_OPTIONS`), by the
 * database they read: a page read or a lookup by keys through one is ONE round trip (the select alone) instead of
 * three (`begin; set local …`, the select, `commit`).
 */
const pageReaders = new WeakMap<Kysely<Database>, Kysely<Database>>();

/**
 * Server settings of a page-read pool's connections: both `set local`s below, for the whole session. Only keyset
 * pages and lookups by keys run there, and both want the index walk these settings force.
 */
export const PAGE_READ_SESSION_OPTIONS = '-c enable_sort=off -c enable_seqscan=off';

/**
 * Page reads and lookups by keys on `db` go through `reader`, a pool of its own opened with
 * `PAGE_READ_SESSION_OPTIONS` (the caller owns and destroys it). Only these reads use that pool, so no other
 * statement runs with sorts or sequential scans priced out.
 */
export function readPagesThrough(db: Kysely<Database>, reader: Kysely<Database>): void {
  pageReaders.set(db, reader);
}

/**
 * Runs a keyset page read with explicit sorts priced out (`enable_sort = off` for this transaction only), so the
 * planner walks the index whose order is the page's order and stops after `limit` rows. Without statistics
 * (autovacuum off, a table just swapped in) it otherwise believes the asset has a handful of rows and reads every
 * one of them to sort — a cost that grows with the number of partitions or the history length.
 *
 * `begin` and `set local` go as one simple query (a statement without parameters may hold several), so a page read
 * is three round trips, not four: under load each round trip is a socket write and a pool connection held longer
 * (issue 15, read path).
 */
export function readInIndexOrder<T>(db: Kysely<Database>, read: (tx: Kysely<Database>) => Promise<T>): Promise<T> {
  const pageReader = pageReaders.get(db);
  if (pageReader) return read(pageReader);
  return readWithSettings(db, 'set local enable_sort = off', read);
}

/**
 * Runs a lookup by a list of keys (`where key = any($1)`) with sequential scans priced out for this transaction
 * only. Without statistics the planner prices each array element at 1/200 of the table, so a page of 100 keys
 * "selects" 40 % of it and a table scan looks cheaper than the index; with the scan off it probes the index
 * whatever it believes about the table. Through a page-read pool it is the select alone (a history page reads its
 * check results this way: one round trip instead of three, issue 15); otherwise three round trips as in
 * `readInIndexOrder`.
 */
export function readByIndex<T>(db: Kysely<Database>, read: (tx: Kysely<Database>) => Promise<T>): Promise<T> {
  const pageReader = pageReaders.get(db);
  if (pageReader) return read(pageReader);
  return readWithSettings(db, 'set local enable_seqscan = off', read);
}

function readWithSettings<T>(
  db: Kysely<Database>,
  settings: string,
  read: (tx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return db.connection().execute(async (connection) => {
    let result: T;
    try {
      await sql.raw(`begin; ${settings}`).execute(connection);
      result = await read(connection);
    } catch (error) {
      // Outside a transaction (the `begin` failed) a rollback is a no-op with a warning, not an error.
      await sql.raw('rollback').execute(connection);
      throw error;
    }
    await sql.raw('commit').execute(connection);
    return result;
  });
}

/**
 * The row of `asset_partition`-like tables whose primary key `(workflow_slug, asset_id, partition_key_norm)` is at
 * or after `key` (a row value): `where (pk) >= key order by pk limit 1`, to be checked for equality by the caller.
 * Only the primary key serves that condition and order, so this is one index probe whatever the planner knows;
 * a plain equality lookup ties with `asset_partition_order_idx` (equal cost estimates without statistics) and
 * may walk every partition of the asset instead.
 */
export function primaryKeyProbe(table: RawBuilder<unknown>, key: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`select * from ${table} a where (a.workflow_slug, a.asset_id, a.partition_key_norm) >= ${key}
    order by a.workflow_slug, a.asset_id, a.partition_key_norm limit 1`;
}
