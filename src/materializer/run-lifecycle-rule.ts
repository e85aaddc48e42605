import { nextEligibleAt, isBackingOff } from './backoff.js';
import type { BackoffElapsed } from './materializer.events.js';
import type { CauseEvent, SagaOutput } from './saga-output.js';
import { targetKey, type AutoRunRecord, type MaterializerContext, type MaterializerState } from './saga-state.js';
import { deferTrigger, enqueueRun } from './trigger-gate.js';

/** How an auto run ended, from a terminal run event or a reconciliation. */
export interface RunEnd {
  runId: string;
  status: Exclude<AutoRunRecord['status'], 'requested'>;
}

/** Failed and canceled runs (and expired claims) extend the backoff; a success resets it; a run that never existed changes neither. */
export function countsAsFailure(status: RunEnd['status']): boolean {
  return status === 'failed' || status === 'canceled' || status === 'claim-expired';
}

/**
 * The in-flight auto run of a workflow × partition ended: its pending follow-up (however many triggers were folded
 * into it) becomes exactly one run now, or after the backoff when the run failed. A run's end counts once: a
 * redelivered terminal event finds the run already ended.
 */
export function decideRunEnded(
  state: MaterializerState,
  context: MaterializerContext,
  end: RunEnd,
  cause: CauseEvent,
  out: SagaOutput,
): void {
  const run = state.runs.get(end.runId);
  if (!run || run.status !== 'requested') return;
  const target = state.targets.get(targetKey(run.workflowSlug, run.partitionKey));
  if (!target?.pending || target.inFlight?.runId !== end.runId) return;
  const workflow = state.workflows.get(run.workflowSlug);
  if (!workflow) return;
  if (countsAsFailure(end.status)) {
    deferTrigger(
      workflow.slug,
      target.pending,
      nextEligibleAt(cause.occurredAt, target.failures + 1, context),
      cause,
      out,
    );
    return;
  }
  enqueueRun(state, workflow, target.pending, cause, end.runId, out);
}

/** The backoff timer fired: the deferred trigger runs now unless a run is in flight or the window moved on. */
export function decideBackoffElapsed(
  state: MaterializerState,
  event: CauseEvent & { data: BackoffElapsed },
  out: SagaOutput,
): void {
  const { workflowSlug, partitionKey } = event.data;
  const target = state.targets.get(targetKey(workflowSlug, partitionKey));
  if (!target?.pending || target.inFlight || isBackingOff(target.nextEligibleAt, event.occurredAt)) return;
  const workflow = state.workflows.get(workflowSlug);
  if (workflow) enqueueRun(state, workflow, target.pending, event, null, out);
}
