import type { StoredEvent } from '../events/envelope.js';
import type { RunReconciled, TriggerDecision } from '../materializer/materializer.events.js';
import type { RunRequested } from '../runs/run.events.js';
import type {
  BackfillCanceled,
  BackfillCompleted,
  BackfillPartitionRequested,
  BackfillRequested,
} from './backfill.events.js';

/**
 * Where one partition of a backfill is: `queued` (not released yet), `requested` (released, the materializer has
 * not decided yet), `waiting` (coalesced with a run in flight, or deferred by a backoff), `running` (its run was
 * requested and has not ended), then one of the ends.
 */
export type PartitionStatus =
  'queued' | 'requested' | 'waiting' | 'running' | 'succeeded' | 'failed' | 'canceled' | 'skipped';

export const PARTITION_STATUSES: readonly PartitionStatus[] = [
  'queued',
  'requested',
  'waiting',
  'running',
  'succeeded',
  'failed',
  'canceled',
  'skipped',
];

export type PartitionEnd = 'succeeded' | 'failed' | 'canceled' | 'skipped';

const RANK: Record<PartitionStatus, number> = {
  queued: 0,
  requested: 1,
  waiting: 2,
  running: 3,
  succeeded: 4,
  failed: 4,
  canceled: 4,
  skipped: 4,
};

export function isFinished(status: PartitionStatus): boolean {
  return RANK[status] === 4;
}

/**
 * What one stream event means for backfills. `linked`: the run that serves the partition of each listed backfill
 * is known (from its `workflow.run.requested` or the materializer's `enqueued` decision, whichever comes first);
 * `waiting`: the trigger was coalesced or deferred; `skipped`: the materializer refused the partition;
 * `run-ended`: a run ended (a run the sweep found missing counts as failed).
 */
export type BackfillSignal =
  | { kind: 'requested'; data: BackfillRequested }
  | { kind: 'partition-requested'; data: BackfillPartitionRequested }
  | { kind: 'canceled'; data: BackfillCanceled }
  | { kind: 'completed'; data: BackfillCompleted }
  | { kind: 'linked'; backfillIds: string[]; partitionKey: string; runId: string }
  | { kind: 'waiting'; backfillIds: string[]; partitionKey: string; detail: string }
  | { kind: 'skipped'; backfillIds: string[]; partitionKey: string; detail: string }
  | { kind: 'run-ended'; runId: string; status: 'succeeded' | 'failed' | 'canceled'; detail: string | null };

/** Every event type a signal can come from (the backfill manager and the read model read these). */
export const BACKFILL_SIGNAL_TYPES: readonly string[] = [
  'backfill.requested',
  'backfill.partition-requested',
  'backfill.canceled',
  'backfill.completed',
  'workflow.run.requested',
  'workflow.run.succeeded',
  'workflow.run.failed',
  'workflow.run.canceled',
  'materializer.trigger.enqueued',
  'materializer.trigger.coalesced',
  'materializer.trigger.deferred-backoff',
  'materializer.trigger.skipped',
  'materializer.run.reconciled',
];

const RUN_ENDS: Record<string, 'succeeded' | 'failed' | 'canceled'> = {
  'workflow.run.succeeded': 'succeeded',
  'workflow.run.failed': 'failed',
  'workflow.run.canceled': 'canceled',
};

/** The backfill signal of an event, or null when it concerns no backfill. Pure. */
export function backfillSignalOf(event: StoredEvent): BackfillSignal | null {
  switch (event.type) {
    case 'backfill.requested':
      return { kind: 'requested', data: event.data as BackfillRequested };
    case 'backfill.partition-requested':
      return { kind: 'partition-requested', data: event.data as BackfillPartitionRequested };
    case 'backfill.canceled':
      return { kind: 'canceled', data: event.data as BackfillCanceled };
    case 'backfill.completed':
      return { kind: 'completed', data: event.data as BackfillCompleted };
    case 'workflow.run.requested':
      return runRequested(event.data as RunRequested);
    case 'materializer.run.reconciled': {
      const data = event.data as RunReconciled;
      if (data.status !== 'missing' && data.status !== 'refused') return null;
      const detail = `run ${data.status}${data.detail ? `: ${data.detail}` : ''}`;
      return { kind: 'run-ended', runId: data.runId, status: 'failed', detail };
    }
  }
  if (event.type.startsWith('materializer.trigger.')) return decision(event.data as TriggerDecision);
  const status = RUN_ENDS[event.type];
  if (!status) return null;
  return {
    kind: 'run-ended',
    runId: event.subject.slice(event.subject.lastIndexOf('.') + 1),
    status,
    detail: endDetail(event),
  };
}

function runRequested(data: RunRequested): BackfillSignal | null {
  const backfillIds = coveredBackfills(data.trigger);
  if (backfillIds.length === 0 || data.partitionKey === null) return null;
  return { kind: 'linked', backfillIds, partitionKey: data.partitionKey, runId: data.runId };
}

function decision(data: TriggerDecision): BackfillSignal | null {
  const backfillIds = data.trigger?.backfillIds ?? [];
  if (backfillIds.length === 0 || data.partitionKey === null) return null;
  const partitionKey = data.partitionKey;
  switch (data.outcome) {
    case 'enqueued':
      return data.runId ? { kind: 'linked', backfillIds, partitionKey, runId: data.runId } : null;
    case 'coalesced':
      return { kind: 'waiting', backfillIds, partitionKey, detail: `coalesced with run ${data.runId} in flight` };
    case 'deferred-backoff':
      return {
        kind: 'waiting',
        backfillIds,
        partitionKey,
        detail: `deferred by a backoff until ${data.nextEligibleAt}`,
      };
    case 'skipped':
      // Only the backfill's own trigger can be skipped (a folded one is never decided again), except a follow-up
      // run refused for its size: that refusal ends every trigger folded into it.
      if (data.cause.type !== 'backfill.partition-requested' && data.reason !== 'run_request_too_large') return null;
      return { kind: 'skipped', backfillIds, partitionKey, detail: `${data.reason}: ${data.detail ?? ''}`.trim() };
  }
}

/** Backfills a run serves, from its trigger (`backfillIds`, or the single `backfillId` of a backfill run). */
function coveredBackfills(trigger: RunRequested['trigger']): string[] {
  if (Array.isArray(trigger.backfillIds))
    return trigger.backfillIds.filter((id): id is string => typeof id === 'string');
  return trigger.type === 'backfill' && typeof trigger.backfillId === 'string' ? [trigger.backfillId] : [];
}

function endDetail(event: StoredEvent): string | null {
  const data = event.data as { error?: { message?: string }; reason?: string | null };
  return data.error?.message ?? data.reason ?? null;
}

/**
 * The status a partition moves to on a signal, or null when the signal does not move it: statuses only move
 * forward (a late `waiting` after the run is known changes nothing), and a run's end only ends the partition that
 * run serves.
 */
export function nextStatus(
  current: PartitionStatus,
  runId: string | null,
  signal: BackfillSignal,
): PartitionStatus | null {
  const target = targetStatus(signal, runId);
  if (target === null || RANK[target] <= RANK[current]) return null;
  if (signal.kind === 'run-ended' && current !== 'running') return null;
  return target;
}

function targetStatus(signal: BackfillSignal, runId: string | null): PartitionStatus | null {
  switch (signal.kind) {
    case 'partition-requested':
      return 'requested';
    case 'waiting':
      return 'waiting';
    case 'linked':
      return 'running';
    case 'skipped':
      return 'skipped';
    case 'run-ended':
      return runId === signal.runId ? signal.status : null;
    default:
      return null;
  }
}
