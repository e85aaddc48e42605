import { derivedEventId, type NewEvent, type StoredEvent } from '../events/envelope.js';
import type {
  BackfillCompleted,
  BackfillCounts,
  BackfillEventMap,
  BackfillPartitionRequested,
  BackfillRequested,
} from './backfill.events.js';
import { backfillSignalOf, type BackfillSignal, type PartitionEnd } from './backfill-signals.js';

/** A backfill the manager still works on: what it was asked, how far it got, and its partitions in flight. */
export interface ManagedBackfill {
  request: BackfillRequested;
  /** How many partitions (in `partitionKeys` order) were released. */
  next: number;
  canceled: boolean;
  /** Released partitions not finished yet → the run that serves each (null until known). */
  active: Map<string, string | null>;
  finished: Omit<BackfillCounts, 'total'>;
}

/** The backfill manager's state: active backfills, and the partitions each known run serves. */
export interface BackfillManagerState {
  backfills: Map<string, ManagedBackfill>;
  runs: Map<string, PartitionRef[]>;
}

export interface PartitionRef {
  backfillId: string;
  partitionKey: string;
}

/** An event the manager appends on `<prefix>.backfill.<slug>.<backfillId>` (id derived from backfill × fact). */
export interface BackfillAppend {
  workflowSlug: string;
  backfillId: string;
  event: NewEvent<keyof BackfillEventMap> & { id: string };
  occurredAt: string;
  causationId: string;
}

/** What deciding one event did: events to append, and what changed (to persist). */
export interface BackfillDecision {
  appends: BackfillAppend[];
  changedBackfills: Set<string>;
  changedPartitions: PartitionRef[];
}

export function emptyBackfillManagerState(): BackfillManagerState {
  return { backfills: new Map(), runs: new Map() };
}

/** A backfill as it starts: nothing released. */
export function startBackfill(request: BackfillRequested): ManagedBackfill {
  return { request, next: 0, canceled: false, active: new Map(), finished: emptyFinished() };
}

/** Puts a (hydrated) backfill into the state, indexing the runs of its partitions. */
export function putBackfill(state: BackfillManagerState, backfill: ManagedBackfill): void {
  state.backfills.set(backfill.request.backfillId, backfill);
  for (const [partitionKey, runId] of backfill.active)
    if (runId) indexRun(state, runId, { backfillId: backfill.request.backfillId, partitionKey });
}

/**
 * The backfill process manager's decider (STYLE §6): folds one stream event into the state and decides what to
 * append. A new backfill releases its first `maxConcurrentRuns` partitions; each partition that finishes (its run
 * ended, or the materializer skipped it) releases the next one, in order, until none is left or the backfill was
 * canceled; when nothing is in flight any more, `backfill.completed` is appended. Its own events read back change
 * nothing. Time and ids come from the events: a replay decides exactly the same, and every appended id is derived
 * from backfill × partition (or backfill × fact), so a repeated decision appends nothing new.
 */
export function decideBackfillEvent(state: BackfillManagerState, event: StoredEvent): BackfillDecision {
  const decision: BackfillDecision = { appends: [], changedBackfills: new Set(), changedPartitions: [] };
  const signal = backfillSignalOf(event);
  if (signal) apply(state, signal, event, decision);
  return decision;
}

function apply(state: BackfillManagerState, signal: BackfillSignal, cause: StoredEvent, out: BackfillDecision): void {
  switch (signal.kind) {
    case 'requested': {
      if (state.backfills.has(signal.data.backfillId)) return;
      const backfill = startBackfill(signal.data);
      state.backfills.set(signal.data.backfillId, backfill);
      out.changedBackfills.add(signal.data.backfillId);
      return advance(state, backfill, cause, out);
    }
    case 'canceled': {
      const backfill = state.backfills.get(signal.data.backfillId);
      if (!backfill || backfill.canceled) return;
      backfill.canceled = true;
      out.changedBackfills.add(signal.data.backfillId);
      return advance(state, backfill, cause, out);
    }
    case 'linked':
      for (const backfillId of signal.backfillIds) link(state, backfillId, signal.partitionKey, signal.runId, out);
      return;
    case 'skipped':
      for (const backfillId of signal.backfillIds) {
        const backfill = state.backfills.get(backfillId);
        if (!backfill || backfill.active.get(signal.partitionKey) !== null) continue;
        finish(state, backfill, signal.partitionKey, 'skipped', out);
        advance(state, backfill, cause, out);
      }
      return;
    case 'run-ended': {
      const refs = state.runs.get(signal.runId) ?? [];
      state.runs.delete(signal.runId);
      for (const ref of refs) {
        const backfill = state.backfills.get(ref.backfillId);
        if (!backfill || backfill.active.get(ref.partitionKey) !== signal.runId) continue;
        finish(state, backfill, ref.partitionKey, signal.status, out);
        advance(state, backfill, cause, out);
      }
      return;
    }
    default:
      // Its own `partition-requested` / `completed` read back, and `waiting` (informational) change nothing.
      return;
  }
}

function link(state: BackfillManagerState, backfillId: string, key: string, runId: string, out: BackfillDecision) {
  const backfill = state.backfills.get(backfillId);
  if (!backfill || backfill.active.get(key) !== null) return;
  backfill.active.set(key, runId);
  indexRun(state, runId, { backfillId, partitionKey: key });
  out.changedPartitions.push({ backfillId, partitionKey: key });
}

function finish(
  state: BackfillManagerState,
  backfill: ManagedBackfill,
  key: string,
  end: PartitionEnd,
  out: BackfillDecision,
): void {
  const runId = backfill.active.get(key);
  backfill.active.delete(key);
  backfill.finished[end] += 1;
  if (runId) unindexRun(state, runId, backfill.request.backfillId, key);
  out.changedBackfills.add(backfill.request.backfillId);
  out.changedPartitions.push({ backfillId: backfill.request.backfillId, partitionKey: key });
}

/** Releases partitions up to the concurrency bound, then completes the backfill once nothing is left in flight. */
function advance(state: BackfillManagerState, backfill: ManagedBackfill, cause: StoredEvent, out: BackfillDecision) {
  const { request } = backfill;
  while (!backfill.canceled && backfill.next < request.partitionKeys.length) {
    if (backfill.active.size >= request.maxConcurrentRuns) break;
    const position = backfill.next;
    const partitionKey = request.partitionKeys[position]!;
    backfill.next += 1;
    backfill.active.set(partitionKey, null);
    out.changedPartitions.push({ backfillId: request.backfillId, partitionKey });
    out.appends.push(partitionRequested(request, partitionKey, position, cause));
  }
  out.changedBackfills.add(request.backfillId);
  const done = backfill.canceled || backfill.next === request.partitionKeys.length;
  if (!done || backfill.active.size > 0) return;
  state.backfills.delete(request.backfillId);
  out.appends.push(completed(backfill, cause));
}

/** The id of the event that releases one partition of a backfill (also what the partition's run id derives from). */
export function partitionRequestedId(backfillId: string, partitionKey: string): string {
  return derivedEventId(backfillId, 'backfill.partition-requested', partitionKey);
}

function partitionRequested(
  request: BackfillRequested,
  partitionKey: string,
  position: number,
  cause: StoredEvent,
): BackfillAppend {
  const data: BackfillPartitionRequested = {
    backfillId: request.backfillId,
    workflowSlug: request.workflowSlug,
    assetId: request.assetId,
    partitionKey,
    position,
    parameters: request.parameters,
    requestedAt: cause.occurredAt,
  };
  return {
    workflowSlug: request.workflowSlug,
    backfillId: request.backfillId,
    event: { id: partitionRequestedId(request.backfillId, partitionKey), type: 'backfill.partition-requested', data },
    occurredAt: cause.occurredAt,
    causationId: cause.id,
  };
}

/** How the backfill ended: `canceled` after a cancel, `succeeded` when every partition succeeded, else `failed`. */
export function completionOf(backfill: ManagedBackfill): Pick<BackfillCompleted, 'status' | 'counts'> {
  const total = backfill.request.partitionKeys.length;
  const unreleased = total - backfill.next;
  const { succeeded, failed, canceled, skipped } = backfill.finished;
  const counts = { total, succeeded, failed, canceled: canceled + unreleased, skipped };
  const status = backfill.canceled ? 'canceled' : succeeded === total ? 'succeeded' : 'failed';
  return { status, counts };
}

function completed(backfill: ManagedBackfill, cause: StoredEvent): BackfillAppend {
  const { request } = backfill;
  const data: BackfillCompleted = {
    backfillId: request.backfillId,
    workflowSlug: request.workflowSlug,
    ...completionOf(backfill),
    completedAt: cause.occurredAt,
  };
  return {
    workflowSlug: request.workflowSlug,
    backfillId: request.backfillId,
    event: { id: derivedEventId(request.backfillId, 'backfill.completed'), type: 'backfill.completed', data },
    occurredAt: cause.occurredAt,
    causationId: cause.id,
  };
}

function emptyFinished(): ManagedBackfill['finished'] {
  return { succeeded: 0, failed: 0, canceled: 0, skipped: 0 };
}

function indexRun(state: BackfillManagerState, runId: string, ref: PartitionRef): void {
  const refs = state.runs.get(runId);
  if (!refs) state.runs.set(runId, [ref]);
  else if (!refs.some((r) => r.backfillId === ref.backfillId && r.partitionKey === ref.partitionKey)) refs.push(ref);
}

function unindexRun(state: BackfillManagerState, runId: string, backfillId: string, partitionKey: string): void {
  const refs = state.runs.get(runId);
  if (!refs) return;
  const rest = refs.filter((ref) => ref.backfillId !== backfillId || ref.partitionKey !== partitionKey);
  if (rest.length > 0) state.runs.set(runId, rest);
  else state.runs.delete(runId);
}
