import { isGated, type ExecutorState } from './executor-state.js';
import type { RunState } from '../run-state.js';

export { isGated } from './executor-state.js';

/**
 * Which queued (pending) gated runs of a workflow may start now: at most `max` gated runs run at once; the rest
 * wait as `pending` and start by priority (lower first, none last), then by request order. Pure. With the cap
 * reached it answers at once (the places held are counted as runs change), so thousands of queued runs (a large
 * backfill) cost nothing per batch; with free places it picks the best `free` queued runs in one pass.
 */
export function admitRuns(state: ExecutorState, slug: string, max: number): string[] {
  return bestPending(state, slug, max - (state.gatedActive.get(slug) ?? 0)).map((run) => run.request.runId);
}

/** The `count` queued gated runs of a workflow that start first (whatever places are held). */
export function bestPending(state: ExecutorState, slug: string, count: number): RunState[] {
  const free = count;
  if (free <= 0) return [];
  const best: RunState[] = [];
  for (const runId of state.pendingGated.get(slug) ?? []) {
    const run = state.runs.get(runId);
    if (!run || run.status !== 'pending' || !isGated(run)) continue;
    if (best.length === free && !startsBefore(run, best[best.length - 1]!)) continue;
    let index = best.length;
    while (index > 0 && startsBefore(run, best[index - 1]!)) index -= 1;
    best.splice(index, 0, run);
    if (best.length > free) best.pop();
  }
  return best;
}

function startsBefore(a: RunState, b: RunState): boolean {
  const priority = (run: RunState) => run.request.priority ?? Number.MAX_SAFE_INTEGER;
  return priority(a) - priority(b) < 0 || (priority(a) === priority(b) && a.requestedSeq < b.requestedSeq);
}
