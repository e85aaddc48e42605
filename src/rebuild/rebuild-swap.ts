import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../projections/database.js';
import type { Projection } from '../../projections/projection.js';
import { checkpointPositions, setCheckpoints } from '../events/consumer-store/index.js';
import type { StreamReplay } from '../events/stream-replay.js';
import { RebuildVerificationError, type TableCount } from './rebuild-types.js';
import { SHADOW_SCHEMA, shadowTable } from './shadow-schema.js';
import { lockLiveTables } from './swap-lock.js';
import { compareTables, rowCounts, type TableComparison } from './table-checksums.js';

/* The rebuild's statements on the live tables: positions, the swap, the same-position comparison. */

export async function startShadowAt(db: Kysely<Database>, names: readonly string[], seq: number): Promise<void> {
  await setCheckpoints(db, names, seq, SHADOW_SCHEMA);
}

/** The lowest live checkpoint of these read models (where a comparison can start). */
export async function liveFloor(
  db: Kysely<Database> | Transaction<Database>,
  names: readonly string[],
): Promise<number> {
  const positions = await livePositions(db, names);
  return Math.min(...names.map((name) => positions.get(name) ?? 0));
}

function livePositions(db: Kysely<Database> | Transaction<Database>, names: readonly string[]) {
  return checkpointPositions(db, names, 'public');
}

function lockTables(tx: Transaction<Database>, tables: readonly string[], mode: 'share') {
  return sql`lock table ${sql.join(tables.map((table) => sql.table(`public.${table}`)))} in ${sql.raw(mode)} mode`.execute(
    tx,
  );
}

/**
 * Under ACCESS EXCLUSIVE on the live tables (taken first, see `lockLiveTables`; readers wait the few milliseconds
 * this takes), brings the copy to the live position if the live tables are ahead, checks the row counts when both
 * are at the same position, then swaps the tables and moves the members' live checkpoints to the copy's position.
 */
export async function trySwap(
  db: Kysely<Database>,
  projections: readonly Projection[],
  replay: StreamReplay,
  shadowSeq: number,
  signal: AbortSignal,
  force: boolean,
): Promise<{ swapped: boolean; seq: number; counts: TableCount[]; exact: boolean }> {
  const tables = projections.flatMap((projection) => projection.tables);
  const names = projections.map((projection) => projection.name);
  return db.transaction().execute(async (tx) => {
    await lockLiveTables(tx, tables);
    const live = await livePositions(tx, names);
    const liveMax = Math.max(0, ...live.values());
    // Live writers are blocked now, so the gap is small and closes.
    const seq = liveMax > shadowSeq ? await replay.replayTo(liveMax, signal) : shadowSeq;
    if (seq < liveMax) return { swapped: false, seq, counts: [], exact: false };
    const exact = names.every((name) => (live.get(name) ?? 0) === seq);
    const liveCounts = await rowCounts(tx, 'public', tables);
    const rebuiltCounts = await rowCounts(tx, SHADOW_SCHEMA, tables);
    const counts = tables.map((table) => ({ table, live: liveCounts[table]!, rebuilt: rebuiltCounts[table]! }));
    if (exact && !force && counts.some((count) => count.live !== count.rebuilt))
      throw new RebuildVerificationError(counts);
    await sql`drop schema if exists rebuild_retired cascade`.execute(tx);
    await sql`create schema rebuild_retired`.execute(tx);
    for (const table of tables) {
      await sql`alter table ${sql.table(`public.${table}`)} set schema rebuild_retired`.execute(tx);
      await sql`alter table ${shadowTable(table)} set schema public`.execute(tx);
    }
    await setCheckpoints(tx, names, seq, 'public');
    return { swapped: true, seq, counts, exact };
  });
}

/**
 * Compares inside one snapshot in which the live tables and the copy are at the same stream position: a short
 * `share` lock pauses live writers while the copy closes the gap and a repeatable-read snapshot is taken; the
 * comparison itself runs in that snapshot after the lock is released.
 */
export async function compareAtSamePosition(
  db: Kysely<Database>,
  replay: StreamReplay,
  names: readonly string[],
  tables: readonly string[],
  signal: AbortSignal,
  fromSeq: number | undefined,
): Promise<{ seq: number; comparisons: TableComparison[] }> {
  let seq = 0;
  let snapshotTaken!: () => void;
  const taken = new Promise<void>((resolve) => (snapshotTaken = resolve));
  let comparison: Promise<TableComparison[]> | undefined;
  await db.transaction().execute(async (tx) => {
    await sql`set local lock_timeout = '30s'`.execute(tx);
    await lockTables(tx, tables, 'share');
    const live = await livePositions(tx, names);
    const positions = new Set(names.map((name) => live.get(name) ?? 0));
    if (positions.size > 1) throw new Error('the live read models are at different stream positions; retry shortly');
    const [position] = [...positions] as [number];
    seq = await replay.replayTo(position, signal);
    if (seq !== position) throw new Error(`the copy could not reach the live position ${position} (at ${seq})`);
    comparison = db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (snapshot) => {
        await sql`select 1`.execute(snapshot);
        snapshotTaken();
        return compareTables(snapshot, tables, fromSeq);
      });
    await Promise.race([taken, comparison]);
  });
  return { seq, comparisons: await comparison! };
}
