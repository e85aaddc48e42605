import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../projections/database.js';
import { SHADOW_SCHEMA } from './shadow-schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

/** Row count and an order-independent checksum of a table's rows (sum of 64-bit hashes of each row's text). */
export interface TableChecksum {
  rows: number;
  checksum: string;
}

/** One table compared between the live read model and its rebuilt copy. */
export interface TableComparison {
  table: string;
  live: TableChecksum;
  rebuilt: TableChecksum;
  equal: boolean;
  /** Up to a few rows (as text) only one side has, when they differ. */
  onlyLive: string[];
  onlyRebuilt: string[];
}

/** `where seq >= N` for one-row-per-event tables compared from a sequence; nothing otherwise. */
function fromSeqFilter(fromSeq: number | undefined) {
  return fromSeq === undefined ? sql`` : sql`where t.seq >= ${fromSeq}`;
}

export async function tableChecksum(
  db: Executor,
  schema: string,
  table: string,
  fromSeq?: number,
): Promise<TableChecksum> {
  const result = await sql<{ rows: number; checksum: string }>`
    select count(*)::int as rows, coalesce(sum(hashtextextended(t::text, 0)), 0)::text as checksum
    from ${sql.table(`${schema}.${table}`)} t ${fromSeqFilter(fromSeq)}`.execute(db);
  return result.rows[0]!;
}

/** Row counts of tables in a schema. */
export async function rowCounts(
  db: Executor,
  schema: string,
  tables: readonly string[],
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const result = await sql<{
      rows: number;
    }>`select count(*)::int as rows from ${sql.table(`${schema}.${table}`)}`.execute(db);
    counts[table] = result.rows[0]!.rows;
  }
  return counts;
}

/**
 * Compares live tables with their shadow copies inside one snapshot (`db` must be a repeatable-read transaction in
 * which both sides are at the same stream position). Differing rows are sampled only when the checksums differ.
 */
export async function compareTables(
  db: Executor,
  tables: readonly string[],
  fromSeq?: number,
): Promise<TableComparison[]> {
  const comparisons: TableComparison[] = [];
  for (const table of tables) {
    const live = await tableChecksum(db, 'public', table, fromSeq);
    const rebuilt = await tableChecksum(db, SHADOW_SCHEMA, table, fromSeq);
    const equal = live.rows === rebuilt.rows && live.checksum === rebuilt.checksum;
    const sample = async (from: string, other: string) =>
      equal
        ? []
        : (
            await sql<{ row: string }>`
              select row from (
                select t::text as row from ${sql.table(`${from}.${table}`)} t ${fromSeqFilter(fromSeq)}
                except all
                select t::text from ${sql.table(`${other}.${table}`)} t ${fromSeqFilter(fromSeq)}
              ) d limit 5`.execute(db)
          ).rows.map((r) => r.row);
    comparisons.push({
      table,
      live,
      rebuilt,
      equal,
      onlyLive: await sample('public', SHADOW_SCHEMA),
      onlyRebuilt: await sample(SHADOW_SCHEMA, 'public'),
    });
  }
  return comparisons;
}
