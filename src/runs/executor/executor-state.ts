import type { StoredEvent } from '../../events/envelope.js';
import { RunGraph } from '../run-graph.js';
import { evolveRun, isTerminal, type RunState } from '../run-state.js';
import type { RunEvent } from '../run.events.js';

/**
 * The run executor's state while it holds its lease: every active (not yet terminal) run folded from its events,
 * indexed by workflow (start gating) and by the asset a waiting run needs (resumption), and the asset graph.
 * Mutable: only the executor's decider and shell change it, in stream order.
 */
export interface ExecutorState {
  runs: Map<string, RunState>;
  bySlug: Map<string, Set<string>>;
  /**
   * Per workflow: its gated runs still `pending` (waiting for a place), so admission looks at those only, not at
   * every active run of the workflow (thousands of runs waiting for their workers made each batch walk them all).
   */
  pendingGated: Map<string, Set<string>>;
  /** Per workflow: gated runs past `pending` (they hold a place under the cap), kept so admission never counts. */
  gatedActive: Map<string, number>;
  waitingFor: Map<string, Set<string>>;
  graph: RunGraph;
}

export function emptyExecutorState(): ExecutorState {
  return {
    runs: new Map(),
    bySlug: new Map(),
    pendingGated: new Map(),
    gatedActive: new Map(),
    waitingFor: new Map(),
    graph: new RunGraph(),
  };
}

/**
 * Triggers whose runs are gated by `ASSET_MATERIALIZER_MAX_CONCURRENT_RUNS_PER_WORKFLOW` (DESIGN §7): auto runs and
 * backfill runs share the workflow's cap (backfill runs have no priority, so prioritized auto runs start first).
 */
const GATED_TRIGGERS = new Set(['auto-materialize', 'backfill']);

export function isGated(run: RunState): boolean {
  return GATED_TRIGGERS.has(run.request.trigger.type);
}

function isPendingGated(run: RunState): boolean {
  return run.status === 'pending' && isGated(run);
}

/** A gated run that started (or goes on waiting): it holds one of its workflow's places. */
function holdsPlace(run: RunState | undefined): boolean {
  return run !== undefined && !isTerminal(run) && run.status !== 'pending' && isGated(run);
}

/** The run id of an event on `<prefix>.run.<slug>.<runId>`. */
export function runIdOf(subject: string): string {
  return subject.slice(subject.lastIndexOf('.') + 1);
}

/** The workflow slug of an event on `<prefix>.run.<slug>.<runId>`. */
export function runSlugOf(subject: string): string {
  const end = subject.lastIndexOf('.');
  return subject.slice(subject.lastIndexOf('.', end - 1) + 1, end);
}

/** Puts a run (or removes it once terminal), keeping the indexes in step. */
export function putRun(state: ExecutorState, run: RunState): void {
  const runId = run.request.runId;
  const before = state.runs.get(runId);
  if (before?.waiting) removeFrom(state.waitingFor, before.waiting.assetId, runId);
  if (before && isPendingGated(before)) removeFrom(state.pendingGated, before.request.workflowSlug, runId);
  const places = Number(holdsPlace(run)) - Number(holdsPlace(before));
  if (places !== 0) {
    const slug = run.request.workflowSlug;
    const count = (state.gatedActive.get(slug) ?? 0) + places;
    if (count > 0) state.gatedActive.set(slug, count);
    else state.gatedActive.delete(slug);
  }
  if (isTerminal(run)) {
    state.runs.delete(runId);
    removeFrom(state.bySlug, run.request.workflowSlug, runId);
    return;
  }
  state.runs.set(runId, run);
  addTo(state.bySlug, run.request.workflowSlug, runId);
  if (isPendingGated(run)) addTo(state.pendingGated, run.request.workflowSlug, runId);
  if (run.status === 'waiting' && run.waiting) addTo(state.waitingFor, run.waiting.assetId, runId);
}

/**
 * Folds one run event into the state. Returns the run as it is afterwards (null when unknown), and whether the
 * event was new to it (an event at or below the run's last sequence changes nothing).
 */
export function foldRunEvent(state: ExecutorState, event: StoredEvent): { run: RunState | null; fresh: boolean } {
  const runId = runIdOf(event.subject);
  const before = state.runs.get(runId) ?? null;
  if (event.type !== 'workflow.run.requested' && !before) return { run: null, fresh: false };
  const after = evolveRun(before, event as unknown as RunEvent & { seq: number });
  if (!after || after === before) return { run: before, fresh: false };
  putRun(state, after);
  return { run: after, fresh: true };
}

/**
 * A run the executor does not hold, folded from its stored events that come before `seq` (the first event of it in
 * the batch being decided): the batch's own events must stay new to it, or they would never be decided.
 */
export function runBefore(stored: readonly StoredEvent[], seq: number): RunState | null {
  let run: RunState | null = null;
  for (const event of stored) {
    if (event.seq >= seq) break;
    run = evolveRun(run, event as unknown as RunEvent & { seq: number });
  }
  return run;
}

function addTo(index: Map<string, Set<string>>, key: string, runId: string): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(runId);
}

function removeFrom(index: Map<string, Set<string>>, key: string, runId: string): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(runId);
  if (set.size === 0) index.delete(key);
}
