import type { Backoff, Run, RunStatus } from '../api/types';

/** The asset and reason of an auto run's trigger (`trigger.assetId`, `trigger.reason`). */
export function triggerOf(run: Run): { assetId: string | null; reason: string | null } {
  const trigger = run.trigger as { assetId?: unknown; reason?: unknown };
  return {
    assetId: typeof trigger.assetId === 'string' ? trigger.assetId : null,
    reason: typeof trigger.reason === 'string' ? trigger.reason : null,
  };
}

export interface RunFilters {
  assetId: string;
  status: RunStatus | '';
}

export const NO_FILTERS: RunFilters = { assetId: '', status: '' };

/** The runs the panel's filters let through ("" = any). */
export function filterRuns(runs: readonly Run[], filters: RunFilters): Run[] {
  return runs.filter(
    (run) =>
      (!filters.assetId || triggerOf(run).assetId === filters.assetId) &&
      (!filters.status || run.status === filters.status),
  );
}

/** The *Filter by asset* options: the assets of the runs' triggers, sorted, once each. */
export function assetOptions(runs: readonly Run[]): string[] {
  return [...new Set(runs.map((run) => triggerOf(run).assetId).filter((id): id is string => id !== null))].sort();
}

export const RUN_STATUSES: RunStatus[] = ['pending', 'running', 'waiting', 'succeeded', 'failed', 'canceled'];

/** "Ready now" once the window is over (or none is set), else the instant the next run may start. */
export function nextEligible(backoff: Backoff, now: number): { ready: boolean; at: string | null } {
  if (!backoff.nextEligibleAt || Date.parse(backoff.nextEligibleAt) <= now) return { ready: true, at: null };
  return { ready: false, at: backoff.nextEligibleAt };
}

/** *Recent activity*: how many auto runs the view tracks and the newest one. */
export function recentActivity(runs: readonly Run[]): { tracked: number; last: Run | null } {
  return { tracked: runs.length, last: runs[0] ?? null };
}

const REASONS: Record<string, string> = {
  'upstream-update': 'An upstream asset was produced',
  expiry: 'The asset expired (TTL or cadence)',
  'stale-mark': 'An operator marked the partition stale and asked for a rerun',
  in_flight: 'A run for this partition is in flight: one follow-up run starts when it ends',
  backoff: 'The partition is backing off after failed runs: the trigger runs when the window ends',
  cycle: 'Skipped: the workflow is already in the trigger’s causation chain',
  partition_mismatch: 'Skipped: the upstream partition does not map onto this asset’s partitioning',
  outside_lookback: 'Skipped: the window is outside lookbackWindows',
  policy_disabled: 'Skipped: the auto-materialize policy is disabled',
  newer_materialization: 'Skipped: a newer materialization exists',
  run_key_conflict: 'Skipped: an active run of another origin holds the run key',
};

/** A sentence for a decision or trigger reason code (the code itself when unknown). */
export function explainReason(reason: string): string {
  return REASONS[reason] ?? reason.replace(/[_-]/g, ' ');
}
