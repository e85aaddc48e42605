import type { RunState } from '../run-state.js';
import { runsOf, type ExecutorState } from './executor-state.js';

/**
 * Triggers whose runs are gated by `ASSET_MATERIALIZER_MAX_CONCURRENT_RUNS_PER_WORKFLOW` (DESIGN §7): auto runs and
 * backfill runs share the workflow's cap (backfill runs have no priority, so prioritized auto runs start first).
 */
const GATED_TRIGGERS = new Set(['auto-materialize', 'backfill']);

export function isGated(run: RunState): boolean {
  return GATED_TRIGGERS.has(run.request.trigger.type);
}

/**
 * Which queued (pending) gated runs of a workflow may start now: at most `max` gated runs run at once; the rest
 * wait as `pending` and start by priority (lower first, none last), then by request order. Pure.
 */
export function admitRuns(state: ExecutorState, slug: string, max: number): string[] {
  const gated = runsOf(state, slug).filter(isGated);
  const running = gated.filter((run) => run.status !== 'pending').length;
  const free = max - running;
  if (free <= 0) return [];
  return gated
    .filter((run) => run.status === 'pending')
    .sort(
      (a, b) =>
        (a.request.priority ?? Number.MAX_SAFE_INTEGER) - (b.request.priority ?? Number.MAX_SAFE_INTEGER) ||
        a.requestedSeq - b.requestedSeq,
    )
    .slice(0, free)
    .map((run) => run.request.runId);
}
