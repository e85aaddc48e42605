import { sql } from 'kysely';
import { projectionGroup } from '../projector/projection-group.js';
import type { Projection } from '../../projections/projection.js';
import {
  analyzeShadow,
  createSecondaryIndexes,
  createShadow,
  dropShadow,
  readManifest,
  sameManifest,
  SHADOW_SCHEMA,
  useShadow,
  type ShadowManifest,
} from './shadow-schema.js';
import type { StreamReplay } from '../events/stream-replay.js';
import { isLockConflict, swapBackoffMs } from './swap-lock.js';
import { rowCounts } from './table-checksums.js';
import {
  RebuildInProgressError,
  type RebuildDeps,
  type RebuildMode,
  type RebuildOptions,
  type RebuildProgress,
  type RebuildReport,
} from './rebuild-types.js';
import { compareAtSamePosition, liveFloor, startShadowAt, trySwap } from './rebuild-swap.js';

export * from './rebuild-types.js';

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
  const replay = deps.events.consumers.replay({
    db: deps.db,
    log: deps.log,
    handler: projectionGroup(REBUILD_GROUP, projections),
    prepare: useShadow,
    ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
  });
  const manifest: ShadowManifest = {
    projections: projections.map((projection) => projection.name),
    stream: await replay.streamCreated(),
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
  return replay;
}
