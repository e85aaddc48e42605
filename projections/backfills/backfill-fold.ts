import type { StoredEvent } from '../../src/events/envelope.js';
import {
  isFinished,
  nextStatus,
  type BackfillSignal,
  type PartitionStatus,
} from '../../src/backfills/backfill-signals.js';
import type { PartitionRange } from '../../src/backfills/backfill.events.js';

/** A backfill's read-model row while a batch is folded. */
export interface BackfillRow {
  backfillId: string;
  workflowSlug: string;
  assetId: string;
  status: 'running' | 'canceling' | 'succeeded' | 'failed' | 'canceled';
  range: PartitionRange | null;
  parameters: Record<string, unknown> | null;
  maxConcurrentRuns: number;
  partitionCount: number;
  counts: Record<PartitionStatus, number>;
  requestedBy: string;
  createdAt: string;
  canceledBy: string | null;
  canceledAt: string | null;
  completedAt: string | null;
  requestedSeq: number;
  lastSeq: number;
}

/** A partition's read-model row while a batch is folded. */
export interface PartitionRow {
  backfillId: string;
  position: number;
  partitionKey: string;
  status: PartitionStatus;
  runId: string | null;
  detail: string | null;
  requestedAt: string | null;
  completedAt: string | null;
  lastSeq: number;
}

export interface RunLink {
  runId: string;
  backfillId: string;
  partitionKey: string;
}

/**
 * The rows one batch reads and changes: backfills and partitions (loaded before folding, or created by the batch),
 * the partitions each known run serves, and what to write back.
 */
export interface BackfillFold {
  backfills: Map<string, BackfillRow>;
  partitions: Map<string, PartitionRow>;
  runs: Map<string, RunLink[]>;
  changedBackfills: Set<string>;
  changedPartitions: Set<string>;
  /** Links made by this batch whose run is still going (key `runId␟backfillId`). */
  newLinks: Map<string, RunLink>;
  endedRuns: Set<string>;
}

const SEPARATOR = '\u001f';

export function partitionKeyOf(backfillId: string, partitionKey: string): string {
  return `${backfillId}${SEPARATOR}${partitionKey}`;
}

export function emptyFold(): BackfillFold {
  return {
    backfills: new Map(),
    partitions: new Map(),
    runs: new Map(),
    changedBackfills: new Set(),
    changedPartitions: new Set(),
    newLinks: new Map(),
    endedRuns: new Set(),
  };
}

/**
 * Folds one signal into the loaded rows (the read model's half of the backfill logic: the same signals and the
 * same forward-only partition statuses the backfill manager uses). Counts move with every status change.
 */
export function foldSignal(fold: BackfillFold, signal: BackfillSignal, event: StoredEvent): void {
  switch (signal.kind) {
    case 'requested':
      return created(fold, signal.data, event);
    case 'canceled': {
      const backfill = fold.backfills.get(signal.data.backfillId);
      if (!backfill || backfill.status !== 'running') return;
      Object.assign(backfill, {
        status: 'canceling',
        canceledBy: signal.data.canceledBy,
        canceledAt: signal.data.canceledAt,
        lastSeq: event.seq,
      });
      fold.changedBackfills.add(backfill.backfillId);
      return;
    }
    case 'completed': {
      const backfill = fold.backfills.get(signal.data.backfillId);
      if (!backfill || backfill.completedAt !== null) return;
      Object.assign(backfill, { status: signal.data.status, completedAt: signal.data.completedAt, lastSeq: event.seq });
      fold.changedBackfills.add(backfill.backfillId);
      return;
    }
    case 'partition-requested':
      return move(fold, signal.data.backfillId, signal.data.partitionKey, signal, event);
    case 'linked':
    case 'waiting':
    case 'skipped':
      for (const backfillId of signal.backfillIds) move(fold, backfillId, signal.partitionKey, signal, event);
      return;
    case 'run-ended': {
      const links = fold.runs.get(signal.runId) ?? [];
      fold.runs.delete(signal.runId);
      fold.endedRuns.add(signal.runId);
      for (const link of links) {
        fold.newLinks.delete(`${signal.runId}${SEPARATOR}${link.backfillId}`);
        move(fold, link.backfillId, link.partitionKey, signal, event);
      }
      return;
    }
  }
}

function created(fold: BackfillFold, data: Extract<BackfillSignal, { kind: 'requested' }>['data'], event: StoredEvent) {
  if (fold.backfills.has(data.backfillId)) return;
  const counts = Object.fromEntries(
    (['queued', 'requested', 'waiting', 'running', 'succeeded', 'failed', 'canceled', 'skipped'] as const).map(
      (status) => [status, 0],
    ),
  ) as Record<PartitionStatus, number>;
  counts.queued = data.partitionKeys.length;
  fold.backfills.set(data.backfillId, {
    backfillId: data.backfillId,
    workflowSlug: data.workflowSlug,
    assetId: data.assetId,
    status: 'running',
    range: data.range,
    parameters: data.parameters,
    maxConcurrentRuns: data.maxConcurrentRuns,
    partitionCount: data.partitionKeys.length,
    counts,
    requestedBy: data.requestedBy,
    createdAt: data.requestedAt,
    canceledBy: null,
    canceledAt: null,
    completedAt: null,
    requestedSeq: event.seq,
    lastSeq: event.seq,
  });
  fold.changedBackfills.add(data.backfillId);
  data.partitionKeys.forEach((partitionKey, position) => {
    const key = partitionKeyOf(data.backfillId, partitionKey);
    fold.partitions.set(key, {
      backfillId: data.backfillId,
      position,
      partitionKey,
      status: 'queued',
      runId: null,
      detail: null,
      requestedAt: null,
      completedAt: null,
      lastSeq: event.seq,
    });
    fold.changedPartitions.add(key);
  });
}

function move(
  fold: BackfillFold,
  backfillId: string,
  partitionKey: string,
  signal: BackfillSignal,
  event: StoredEvent,
) {
  const key = partitionKeyOf(backfillId, partitionKey);
  const partition = fold.partitions.get(key);
  const backfill = fold.backfills.get(backfillId);
  if (!partition || !backfill) return;
  const status = nextStatus(partition.status, partition.runId, signal);
  if (status === null) return;
  backfill.counts[partition.status] -= 1;
  backfill.counts[status] += 1;
  backfill.lastSeq = event.seq;
  partition.status = status;
  partition.lastSeq = event.seq;
  if (signal.kind === 'partition-requested') partition.requestedAt = signal.data.requestedAt;
  if (signal.kind === 'waiting') partition.detail = signal.detail;
  if (signal.kind === 'linked') {
    partition.runId = signal.runId;
    partition.detail = null;
    const link = { runId: signal.runId, backfillId, partitionKey };
    fold.runs.set(signal.runId, [...(fold.runs.get(signal.runId) ?? []), link]);
    fold.newLinks.set(`${signal.runId}${SEPARATOR}${backfillId}`, link);
  }
  if (signal.kind === 'skipped' || signal.kind === 'run-ended') partition.detail = signal.detail;
  if (isFinished(status)) partition.completedAt = event.occurredAt;
  fold.changedBackfills.add(backfillId);
  fold.changedPartitions.add(key);
}
