import type { AssetExpired, AssetProduced, AssetStaleMarked } from '../assets/asset.events.js';
import type { StoredEvent } from '../events/envelope.js';
import type { BackfillPartitionRequested } from '../backfills/backfill.events.js';
import type { RunWaiting } from '../runs/run.events.js';
import { decideBackfillPartition } from './backfill-rule.js';
import { decideDependency } from './dependency-rule.js';
import { decideExpiry, decideStaleMark } from './expiry-rule.js';
import { armFreshnessTimers, freshnessChecksOf } from './freshness.js';
import type { BackoffElapsed, RunReconciled } from './materializer.events.js';
import { decideBackoffElapsed, decideRunEnded } from './run-lifecycle-rule.js';
import { refuseOversizedRuns } from './run-size-rule.js';
import { evolve, isKnownProduction, runIdOfSubject, TERMINAL_STATUS } from './saga-evolve.js';
import { emptyOutput, type SagaOutput } from './saga-output.js';
import { emptyMaterializerState, type MaterializerContext, type MaterializerState } from './saga-state.js';
import { decideUpstreamUpdate } from './upstream-rule.js';
import { producedDeclaration } from './workflow-graph.js';

/** The event types the saga reads from the stream (its own decision events are folded when decided, not re-read). */
export const MATERIALIZER_INPUT_TYPES: ReadonlySet<string> = new Set([
  'workflow.definition.updated',
  'asset.produced',
  'asset.expired',
  'asset.stale.marked',
  'asset.partition-parameters.set',
  'asset.partition-parameters.deleted',
  'workflow.run.succeeded',
  'workflow.run.failed',
  'workflow.run.canceled',
  'materializer.backoff.elapsed',
  'materializer.run.reconciled',
  'workflow.run.waiting',
  'backfill.partition-requested',
]);

const TRIGGER_TYPES = new Set(['asset.expired', 'asset.stale.marked', 'backfill.partition-requested']);

/**
 * The auto-materialization saga (DESIGN §7, STYLE §6): for one input event and the current state, which triggers
 * to record (`materializer.trigger.*` events) and which runs and timers to request. Pure: no IO, no clock (time is
 * the events' `occurredAt`), new ids derived from the causing event; so a replay decides exactly the same.
 */
export function decide(event: StoredEvent, state: MaterializerState, context: MaterializerContext): SagaOutput {
  const out = decideTriggers(event, state, context);
  refuseOversizedRuns(state, context, out);
  return out;
}

function decideTriggers(event: StoredEvent, state: MaterializerState, context: MaterializerContext): SagaOutput {
  const out = emptyOutput();
  if (TRIGGER_TYPES.has(event.type) && state.seen.has(event.id)) return out;
  if (event.type === 'asset.produced' && isKnownProduction(state, event as StoredEvent<string, AssetProduced>))
    return out;
  const status = TERMINAL_STATUS[event.type];
  if (status) {
    decideRunEnded(state, context, { runId: runIdOfSubject(event.subject), status }, event, out);
    return out;
  }
  switch (event.type) {
    case 'asset.produced': {
      const produced = event as StoredEvent<string, AssetProduced>;
      const declared = producedDeclaration(state.workflows.get(produced.data.workflowSlug), produced.data.assetId);
      armFreshnessTimers(produced, freshnessChecksOf(declared), out);
      decideUpstreamUpdate(state, produced, out);
      break;
    }
    case 'asset.expired':
      decideExpiry(state, event as StoredEvent<string, AssetExpired>, out);
      break;
    case 'asset.stale.marked':
      decideStaleMark(state, event as StoredEvent<string, AssetStaleMarked>, out);
      break;
    case 'materializer.run.reconciled': {
      const data = event.data as RunReconciled;
      decideRunEnded(state, context, { runId: data.runId, status: data.status }, event, out);
      break;
    }
    case 'materializer.backoff.elapsed':
      decideBackoffElapsed(state, event as StoredEvent<string, BackoffElapsed>, out);
      break;
    case 'workflow.run.waiting':
      decideDependency(state, event as StoredEvent<string, RunWaiting>, out);
      break;
    case 'backfill.partition-requested':
      decideBackfillPartition(state, event as StoredEvent<string, BackfillPartitionRequested>, out);
      break;
  }
  return out;
}

/**
 * Decides one event and folds it and its decisions into the state (in that order): the step the process shell and
 * the unit tests both take for every event.
 */
export function step(event: StoredEvent, state: MaterializerState, context: MaterializerContext): SagaOutput {
  const out = decide(event, state, context);
  evolve(state, event, context);
  for (const decision of out.events)
    evolve(
      state,
      {
        ...decision,
        schemaVersion: 1,
        occurredAt: decision.data.at,
        metadata: NO_METADATA,
        seq: event.seq,
        subject: '',
      },
      context,
    );
  return out;
}

const NO_METADATA = { correlationId: 'materializer', causationId: null, actor: 'system' };

/** The saga as one value: `{ initialState, evolve, decide }`. */
export const materializerSaga = { initialState: emptyMaterializerState, evolve, decide, step };
