import { sql, type Kysely, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../projections/database.js';
import { projectionGroup } from '../projector/projection-group.js';
import type { Projection } from '../../projections/projection.js';
import type { EventStore } from '../events/event-store.js';
import type { NatsContext } from '../events/nats-context.js';
import {
  analyzeShadow,
  createSecondaryIndexes,
  createShadow,
  dropShadow,
  readManifest,
  sameManifest,
  SHADOW_SCHEMA,
  shadowTable,
  useShadow,
  type ShadowManifest,
} from './shadow-schema.js';
import { StreamReplay } from '../events/stream-replay.js';
import { isLockConflict, lockLiveTables, swapBackoffMs } from './swap-lock.js';
import { compareTables, rowCounts, type TableComparison } from './table-checksums.js';

export interface RebuildDeps {
  db: Kysely<Database>;
  nats: NatsContext;
  store: EventStore;
  log: Logger;
}

export type RebuildMode = 'swap' | 'compare' | 'build';

export interface RebuildOptions {
  /** `swap` (default): replace the live tables; `compare`: check the live tables against a rebuilt copy, then
   * drop it; `build`: leave the copy in schema `rebuild_shadow`. */
  mode?: RebuildMode;
  /** `compare` only, one-row-per-event read models only: replay and compare from this sequence on. */
  fromSeq?: number;
  /** Discard an unfinished rebuild of other read models instead of refusing. */
  restart?: boolean;
  /** Swap even when the verified row counts differ from the live tables'. */
  force?: boolean;
  /** Aborting stops after the batch in flight; the next run with the same arguments resumes. */
  signal?: AbortSignal;
  onProgress?: (progress: RebuildProgress) => void;
  /** Events per transaction (default 5000). */
  batchSize?: number;
}

export interface RebuildProgress {
  phase: 'replay' | 'indexes' | 'verify' | 'compare';
  seq: number;
  target: number;
}

/** Row counts of one table: the live table and the rebuilt copy (before the swap). */
export interface TableCount {
  table: string;
  live: number;
  rebuilt: number;
}

export interface RebuildReport {
  projections: string[];
  mode: RebuildMode;
  /** The stream sequence the copy was built to. */
  seq: number;
  /** Where this run started (> 0: a resumed rebuild or `--from-seq`). */
  resumedFrom: number;
  interrupted: boolean;
  swapped: boolean;
  /** Live and rebuilt row counts; `exact` when both were at the same stream position (they must match then). */
  counts: TableCount[];
  exact: boolean;
  comparisons: TableComparison[];
  /** `compare`: true when every table is equal. */
  equal: boolean | null;
  /** Swap transactions tried (> 1: the swap yielded to a live writer and was retried alone). */
  swapAttempts: number;
  seconds: number;
  /** Events replayed by this run per second. */
  eventsPerSecond: number;
}

/** A previous rebuild of other read models (or another stream) is unfinished. */
export class RebuildInProgressError extends Error {
  constructor(readonly existing: ShadowManifest) {
    super(
      `an unfinished rebuild of ${existing.projections.join(', ')} exists; run it again with the same arguments to resume, or pass --restart to discard it`,
    );
    this.name = 'RebuildInProgressError';
  }
}

/** The rebuilt copy differs from the live tables at the same stream position: not swapped. */
export class RebuildVerificationError extends Error {
  constructor(readonly counts: TableCount[]) {
    super(
      `rebuilt row counts differ from the live tables at the same position (${counts
        .filter((c) => c.live !== c.rebuilt)
        .map((c) => `${c.table}: live ${c.live}, rebuilt ${c.rebuilt}`)
        .join('; ')}); not swapped (--force swaps anyway)`,
    );
    this.name = 'RebuildVerificationError';
  }
}

/** The checkpoint name of the rebuild's consumer group inside the shadow schema. */
export const REBUILD_GROUP = 'rebuild';
/** Attempts of the swap alone (each yields at once to a live writer); with the backoff about 40 s in all. */
const SWAP_ATTEMPTS = 50;

/**
 * Rebuilds read models from `<PREFIX>_EVENTS` with one stream read for all of them: replays into shadow tables
 * (schema `rebuild_shadow`, own checkpoints, resumable), builds the live tables' secondary indexes under the same
 * names, ANALYZEs, then either swaps the copies in (after checking row counts against the live tables at the same
 * position; the live tables serve meanwhile) or compares them with the live tables in one snapshot.
 */
export async function rebuildReadModels(
  projections: readonly Projection[],
  deps: RebuildDeps,
  options: RebuildOptions = {},
): Promise<RebuildReport> {
  const started = performance.now();
  const mode = options.mode ?? 'swap';
  if (options.fromSeq !== undefined) assertFromSeqAllowed(projections, mode);
  const tables = projections.flatMap((projection) => projection.tables);
  const names = projections.map((projection) => projection.name);
  const replay = await openShadow(projections, deps, options);
  const resumedFrom = await replay.position();
  const signal = options.signal ?? new AbortController().signal;
  const progress = (phase: RebuildProgress['phase'], target: number) => (seq: number) =>
    options.onProgress?.({ phase, seq, target });
  const target = mode === 'compare' ? await liveFloor(deps.db, names) : await deps.store.lastSequence();
  let seq = await replay.replayTo(target, signal, progress('replay', target));
  const report = (fields: Partial<RebuildReport>): RebuildReport => ({
    projections: names,
    mode,
    seq,
    resumedFrom,
    interrupted: false,
    swapped: false,
    counts: [],
    exact: false,
    comparisons: [],
    equal: null,
    swapAttempts: 0,
    seconds: (performance.now() - started) / 1000,
    eventsPerSecond: (seq - resumedFrom) / Math.max(0.001, (performance.now() - started) / 1000),
    ...fields,
  });
  if (seq < target) return report({ interrupted: true });
  if (mode === 'compare') {
    options.onProgress?.({ phase: 'compare', seq, target });
    const compared = await compareAtSamePosition(deps.db, replay, names, tables, signal, options.fromSeq);
    seq = compared.seq;
    await dropShadow(deps.db);
    return report({
      comparisons: compared.comparisons,
      equal: compared.comparisons.every((c) => c.equal),
      exact: true,
    });
  }
  options.onProgress?.({ phase: 'indexes', seq, target });
  await createSecondaryIndexes(deps.db, tables);
  await analyzeShadow(deps.db, tables);
  if (mode === 'build') {
    const rebuilt = await rowCounts(deps.db, SHADOW_SCHEMA, tables);
    const live = await rowCounts(deps.db, 'public', tables);
    return report({ counts: tables.map((table) => ({ table, live: live[table]!, rebuilt: rebuilt[table]! })) });
  }
  for (let attempt = 1; attempt <= SWAP_ATTEMPTS; attempt++) {
    options.onProgress?.({ phase: 'verify', seq, target });
    let swap: Awaited<ReturnType<typeof trySwap>>;
    try {
      swap = await trySwap(deps.db, projections, replay, seq, signal, options.force ?? false);
    } catch (error) {
      // A live writer held a table: the swap yielded (the writer goes on) and only the swap is tried again.
      if (!isLockConflict(error) || attempt === SWAP_ATTEMPTS) throw error;
      deps.log.debug({ attempt, code: (error as { code?: string }).code }, 'rebuild swap yielded to a live writer');
      await new Promise((resolve) => setTimeout(resolve, swapBackoffMs(attempt)));
      continue;
    }
    seq = swap.seq;
    if (swap.swapped) {
      await sql`drop schema if exists rebuild_retired cascade`.execute(deps.db);
      await dropShadow(deps.db);
      deps.log.info({ projections: names, seq, attempt }, 'rebuild swapped in');
      return report({ swapped: true, counts: swap.counts, exact: swap.exact, swapAttempts: attempt });
    }
    if (signal.aborted) return report({ interrupted: true });
  }
  throw new Error(`the live tables stayed busy; not swapped after ${SWAP_ATTEMPTS} attempts (run it again to resume)`);
}

/** Compatibility: rebuild one read model (`swap: false` leaves the copy in the shadow schema). */
export function rebuildProjection(
  projection: Projection,
  deps: RebuildDeps,
  options: { swap?: boolean } = {},
): Promise<RebuildReport> {
  return rebuildReadModels([projection], deps, { mode: options.swap === false ? 'build' : 'swap', restart: true });
}

function assertFromSeqAllowed(projections: readonly Projection[], mode: RebuildMode): void {
  if (mode !== 'compare')
    throw new Error('--from-seq compares a rebuilt copy with the live one: use it with --dry-run');
  const folded = projections.filter((projection) => !projection.oneRowPerEvent).map((projection) => projection.name);
  if (folded.length > 0)
    throw new Error(
      `--from-seq needs read models with one row per event; ${folded.join(', ')} fold the whole stream (check them with --dry-run alone)`,
    );
}

/** Creates the shadow schema, or reuses the one an interrupted run of the same rebuild left. */
async function openShadow(
  projections: readonly Projection[],
  deps: RebuildDeps,
  options: RebuildOptions,
): Promise<StreamReplay> {
  const info = await deps.nats.jsm.streams.info(deps.nats.subjects.streams.events);
  const manifest: ShadowManifest = {
    projections: projections.map((projection) => projection.name),
    stream: String(info.created),
    fromSeq: options.fromSeq ?? 1,
  };
  const existing = await readManifest(deps.db);
  if (!existing || !sameManifest(existing, manifest)) {
    if (existing && !options.restart) throw new RebuildInProgressError(existing);
    await createShadow(
      deps.db,
      projections.flatMap((projection) => projection.tables),
      manifest,
    );
    if (manifest.fromSeq > 1)
      await startShadowAt(deps.db, [REBUILD_GROUP, ...manifest.projections], manifest.fromSeq - 1);
  }
  return new StreamReplay({
    ...deps,
    handler: projectionGroup(REBUILD_GROUP, projections),
    prepare: useShadow,
    ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
  });
}

async function startShadowAt(db: Kysely<Database>, names: readonly string[], seq: number): Promise<void> {
  for (const name of names)
    await sql`insert into ${shadowTable('projection_checkpoint')} (name, last_seq) values (${name}, ${seq})`.execute(
      db,
    );
}

/** The lowest live checkpoint of these read models (where a comparison can start). */
async function liveFloor(db: Kysely<Database> | Transaction<Database>, names: readonly string[]): Promise<number> {
  const positions = await livePositions(db, names);
  return Math.min(...names.map((name) => positions.get(name) ?? 0));
}

async function livePositions(
  db: Kysely<Database> | Transaction<Database>,
  names: readonly string[],
): Promise<Map<string, number>> {
  const rows = await sql<{ name: string; last_seq: number }>`
    select name, last_seq from public.projection_checkpoint where name = any(${[...names]}::text[])`.execute(db);
  return new Map(rows.rows.map((row) => [row.name, Number(row.last_seq)]));
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
async function trySwap(
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
    for (const name of names)
      await sql`insert into public.projection_checkpoint (name, last_seq) values (${name}, ${seq})
        on conflict (name) do update set last_seq = excluded.last_seq, updated_at = now()`.execute(tx);
    return { swapped: true, seq, counts, exact };
  });
}

/**
 * Compares inside one snapshot in which the live tables and the copy are at the same stream position: a short
 * `share` lock pauses live writers while the copy closes the gap and a repeatable-read snapshot is taken; the
 * comparison itself runs in that snapshot after the lock is released.
 */
async function compareAtSamePosition(
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
