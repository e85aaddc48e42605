import type {
  AssetExpired,
  AssetPartitionParametersDeleted,
  AssetPartitionParametersSet,
  AssetProduced,
} from '../assets/asset.events.js';
import type { StoredEvent } from '../events/envelope.js';
import type { WorkflowDefinitionUpdated } from '../workflows/workflow.events.js';
import { nextEligibleAt } from './backoff.js';
import { BLOCKED_BY_CHECK, checkBlockChanges, expiryBlockChanges, type CheckBlockChange } from './check-blocks.js';
import type { RunReconciled, TriggerDecision } from './materializer.events.js';
import { countsAsFailure, type RunEnd } from './run-lifecycle-rule.js';
import { RUN_REQUEST_TOO_LARGE } from './run-size-rule.js';
import {
  assetPartitionKey,
  targetKey,
  type MaterializerContext,
  type MaterializerState,
  type TargetState,
} from './saga-state.js';
import { placeWaiting, releaseWaiting } from './waiting-triggers.js';
import { consumedAssetIds } from './workflow-graph.js';

/** The terminal run events, by the status they end a run with. */
export const TERMINAL_STATUS: Record<string, RunEnd['status']> = {
  'workflow.run.succeeded': 'succeeded',
  'workflow.run.failed': 'failed',
  'workflow.run.canceled': 'canceled',
};

/** The run id of an event on `<prefix>.run.<slug>.<runId>`. */
export function runIdOfSubject(subject: string): string {
  return subject.slice(subject.lastIndexOf('.') + 1);
}

/**
 * Folds one event into the saga state: input events (definitions, productions, parameters, run ends) and the
 * saga's own decisions (as `decide` returned them; the copies read back from the stream are not folded again).
 * Entries are replaced, never edited in place. Pure apart from updating the given maps.
 */
export function evolve(state: MaterializerState, event: StoredEvent, context: MaterializerContext): MaterializerState {
  const status = TERMINAL_STATUS[event.type];
  if (status) return endRun(state, context, { runId: runIdOfSubject(event.subject), status }, event.occurredAt);
  switch (event.type) {
    case 'workflow.definition.updated':
      return defineWorkflow(state, (event.data as WorkflowDefinitionUpdated).workflow);
    case 'asset.produced':
      return produced(state, event as StoredEvent<string, AssetProduced>);
    case 'asset.expired':
      state.seen.set(event.id, event.seq);
      return applyCheckBlocks(state, expiryBlockChanges(state, event as StoredEvent<string, AssetExpired>));
    case 'asset.stale.marked':
    case 'backfill.partition-requested':
      state.seen.set(event.id, event.seq);
      return state;
    case 'asset.partition-parameters.set': {
      const data = event.data as AssetPartitionParametersSet;
      state.parameters.set(assetPartitionKey(data.workflowSlug, data.assetId, data.partitionKey), {
        parameters: data.parameters,
        source: 'manual',
      });
      return state;
    }
    case 'asset.partition-parameters.deleted': {
      const data = event.data as AssetPartitionParametersDeleted;
      state.parameters.delete(assetPartitionKey(data.workflowSlug, data.assetId, data.partitionKey));
      return state;
    }
    case 'materializer.run.reconciled': {
      const data = event.data as RunReconciled;
      return endRun(state, context, { runId: data.runId, status: data.status }, event.occurredAt);
    }
    case 'materializer.trigger.enqueued':
      return enqueued(state, event.data as TriggerDecision);
    case 'materializer.trigger.coalesced':
    case 'materializer.trigger.deferred-backoff':
      return waiting(state, event.data as TriggerDecision);
    case 'materializer.trigger.skipped':
      return skipped(state, event.data as TriggerDecision);
    default:
      return state;
  }
}

function defineWorkflow(state: MaterializerState, workflow: WorkflowDefinitionUpdated['workflow']): MaterializerState {
  const before = state.workflows.get(workflow.slug);
  state.workflows.set(workflow.slug, workflow);
  for (const assetId of before ? consumedAssetIds(before) : []) {
    state.consumers.set(
      assetId,
      (state.consumers.get(assetId) ?? []).filter((slug) => slug !== workflow.slug),
    );
  }
  for (const assetId of consumedAssetIds(workflow)) {
    const slugs = new Set(state.consumers.get(assetId) ?? []).add(workflow.slug);
    state.consumers.set(assetId, [...slugs].sort());
  }
  return state;
}

/**
 * A production the saga already folded: the latest of its workflow × asset × partition is this event, or a later
 * one (a redelivery or a replay). The stream never holds one id twice, so this is the whole de-duplication.
 */
export function isKnownProduction(state: MaterializerState, event: StoredEvent<string, AssetProduced>): boolean {
  const data = event.data;
  const latest = state.latest.get(assetPartitionKey(data.workflowSlug, data.assetId, data.partitionKey));
  return latest !== undefined && (latest.eventId === event.id || latest.seq >= event.seq);
}

function produced(state: MaterializerState, event: StoredEvent<string, AssetProduced>): MaterializerState {
  if (isKnownProduction(state, event)) return state;
  const data = event.data;
  const key = assetPartitionKey(data.workflowSlug, data.assetId, data.partitionKey);
  state.latest.set(key, { eventId: event.id, seq: event.seq, producedAt: data.producedAt });
  // Each production stores its run's parameters for the partition, unless an operator saved some (B8).
  if (data.parameters !== null && state.parameters.get(key)?.source !== 'manual') {
    state.parameters.set(key, { parameters: data.parameters, source: 'captured' });
  }
  return applyCheckBlocks(state, checkBlockChanges(state, event));
}

function applyCheckBlocks(state: MaterializerState, changes: readonly CheckBlockChange[]): MaterializerState {
  for (const change of changes) {
    const { checkBlock: _before, ...target } =
      state.targets.get(change.key) ?? emptyTarget(change.workflowSlug, change.partitionKey);
    putTarget(state, change.key, change.checkBlock ? { ...target, checkBlock: change.checkBlock } : target);
  }
  return state;
}

function endRun(state: MaterializerState, context: MaterializerContext, end: RunEnd, at: string): MaterializerState {
  const run = state.runs.get(end.runId);
  if (!run || run.status !== 'requested') return state;
  state.runs.set(end.runId, { ...run, status: end.status });
  const key = targetKey(run.workflowSlug, run.partitionKey);
  const target = state.targets.get(key) ?? emptyTarget(run.workflowSlug, run.partitionKey);
  const inFlight = target.inFlight?.runId === end.runId ? null : target.inFlight;
  let { failures, nextEligibleAt: until } = target;
  if (end.status === 'succeeded') [failures, until] = [0, null];
  else if (countsAsFailure(end.status)) [failures, until] = [failures + 1, nextEligibleAt(at, failures + 1, context)];
  return putTarget(state, key, { ...target, inFlight, failures, nextEligibleAt: until });
}

function enqueued(state: MaterializerState, decision: TriggerDecision): MaterializerState {
  const spec = decision.trigger!;
  state.runs.set(decision.runId!, {
    runId: decision.runId!,
    workflowSlug: decision.workflowSlug,
    partitionKey: decision.partitionKey,
    chain: spec.chain,
    status: 'requested',
  });
  const key = targetKey(decision.workflowSlug, decision.partitionKey);
  const target = state.targets.get(key) ?? emptyTarget(decision.workflowSlug, decision.partitionKey);
  const inFlight = { runId: decision.runId!, assetId: decision.assetId, reason: spec.reason, since: decision.at };
  return putTarget(state, key, { ...target, inFlight, ...releaseWaiting(target, spec) });
}

function waiting(state: MaterializerState, decision: TriggerDecision): MaterializerState {
  const key = targetKey(decision.workflowSlug, decision.partitionKey);
  const target = state.targets.get(key) ?? emptyTarget(decision.workflowSlug, decision.partitionKey);
  return putTarget(state, key, { ...target, ...placeWaiting(target, decision.trigger!) });
}

/**
 * A run refused for its size took the pending trigger with it (it was folded into the refused one); an expiry
 * stopped by a blocked input is held until the input passes (`checkBlockChanges` lets it go).
 */
function skipped(state: MaterializerState, decision: TriggerDecision): MaterializerState {
  if (decision.reason === BLOCKED_BY_CHECK && decision.trigger?.reason === 'expiry') {
    const key = targetKey(decision.workflowSlug, decision.partitionKey);
    const target = state.targets.get(key);
    if (target?.checkBlock)
      state.targets.set(key, { ...target, checkBlock: { ...target.checkBlock, heldExpiry: decision.trigger } });
    return state;
  }
  if (decision.reason !== RUN_REQUEST_TOO_LARGE) return state;
  const key = targetKey(decision.workflowSlug, decision.partitionKey);
  const target = state.targets.get(key);
  return target && decision.trigger
    ? putTarget(state, key, { ...target, ...releaseWaiting(target, decision.trigger) })
    : state;
}

function emptyTarget(workflowSlug: string, partitionKey: string | null): TargetState {
  return { workflowSlug, partitionKey, inFlight: null, pending: null, queued: [], failures: 0, nextEligibleAt: null };
}

function putTarget(state: MaterializerState, key: string, target: TargetState): MaterializerState {
  const idle =
    !target.inFlight &&
    !target.pending &&
    target.failures === 0 &&
    target.nextEligibleAt === null &&
    !target.checkBlock;
  if (idle) state.targets.delete(key);
  else state.targets.set(key, target);
  return state;
}
