import { partitionParameters } from '../partitions/index.js';
import { derivedEventId } from '../events/envelope.js';
import { mergeLayers } from '../runs/deep-merge.js';
import { composeRunKey } from '../runs/run-key.js';
import type { RunTrigger } from '../runs/run.events.js';
import type { WorkflowDefinition } from '../workflows/workflow-definition.js';
import { isBackingOff } from './backoff.js';
import { BLOCKABLE_REASONS, BLOCKED_BY_CHECK, blockingInputs, describeBlock, type InputRef } from './check-blocks.js';
import type { TriggerSpec } from './materializer.events.js';
import { decisionEvent, type AutoRunRequest, type CauseEvent, type SagaOutput } from './saga-output.js';
import { assetPartitionKey, targetKey, type MaterializerState } from './saga-state.js';
import { waitingMatch } from './waiting-triggers.js';
import { producedDeclaration, runPartitioning } from './workflow-graph.js';

/**
 * The gate every trigger passes for its workflow × partition: an upstream update, expiry or backfill while an input
 * of the partition has a failed blocking check → `skipped` (`blocked-by-check`, see `check-blocks.ts`; an expiry is
 * held until the input passes); an auto run in flight → `coalesced` (folded into the waiting follow-up it shares
 * parameters with, else queued as its own); inside a backoff window → `deferred-backoff` (waiting, with a `backoff`
 * timer at the window's end); otherwise → `enqueued` with a run request. Two backfills with different parameters are
 * never folded into one run. `replacedBy` is the input materialization that caused the trigger (an upstream
 * update's own): it replaces that input's blocked one, its own checks were judged before.
 */
export function gateTrigger(
  state: MaterializerState,
  workflow: WorkflowDefinition,
  spec: TriggerSpec,
  cause: CauseEvent,
  out: SagaOutput,
  replacedBy: InputRef | null = spec.upstream,
): void {
  const target = state.targets.get(targetKey(workflow.slug, spec.partitionKey));
  // The waiting trigger this one folds into: only one with the same parameters (or one any run serves).
  const match = waitingMatch(target, spec);
  const folded = (match?.coalesced ?? 0) + 1;
  const base = { workflowSlug: workflow.slug, assetId: spec.assetId, partitionKey: spec.partitionKey };
  const blocking = BLOCKABLE_REASONS.has(spec.reason) ? blockingInputs(target, replacedBy) : [];
  if (blocking.length > 0) {
    const detail = `${describeBlock(blocking)}; ${spec.reason} trigger ${UNTIL[spec.reason] ?? 'skipped'}`;
    out.events.push(decisionEvent('skipped', cause, { ...base, reason: BLOCKED_BY_CHECK, detail, trigger: spec }));
    return;
  }
  if (target?.inFlight) {
    const trigger = foldTrigger(match, spec, folded);
    out.events.push(
      decisionEvent('coalesced', cause, { ...base, reason: 'in_flight', runId: target.inFlight.runId, trigger }),
    );
    return;
  }
  if (target && isBackingOff(target.nextEligibleAt, cause.occurredAt)) {
    deferTrigger(workflow.slug, foldTrigger(match, spec, folded), target.nextEligibleAt!, cause, out);
    return;
  }
  enqueueRun(state, workflow, foldTrigger(match, spec, match?.coalesced ?? 0), cause, null, out);
}

const UNTIL: Partial<Record<TriggerSpec['reason'], string>> = {
  expiry: 'held until a passing materialization of it arrives',
  'upstream-update': 'skipped (a passing materialization of it triggers again)',
  backfill: 'skipped (request the partition again once it passed)',
};

/**
 * The trigger that waits (or runs) once `spec` is folded into the waiting one it matches (`waitingMatch`: same
 * parameters, or one any run serves): the newer, except that a backfill's trigger is kept over any other kind — only
 * a run with the backfill's parameters serves a backfill, while any later run serves an upstream update, an expiry,
 * a stale mark or a dependency. Every backfill either of them covers stays listed in `backfillIds`, so the run that
 * follows is known as each backfill's run for this partition.
 */
export function foldTrigger(pending: TriggerSpec | null, spec: TriggerSpec, coalesced: number): TriggerSpec {
  const kept = pending?.backfill && !spec.backfill ? pending : spec;
  const backfillIds = [...new Set([...(pending?.backfillIds ?? []), ...(spec.backfillIds ?? [])])];
  return backfillIds.length > 0 ? { ...kept, coalesced, backfillIds } : { ...kept, coalesced };
}

/** Records `deferred-backoff` for a pending trigger and arms the backoff timer that will release it. */
export function deferTrigger(
  slug: string,
  trigger: TriggerSpec,
  until: string,
  cause: CauseEvent,
  out: SagaOutput,
): void {
  const base = { workflowSlug: slug, assetId: trigger.assetId, partitionKey: trigger.partitionKey };
  out.events.push(
    decisionEvent('deferred-backoff', cause, { ...base, reason: 'backoff', trigger, nextEligibleAt: until }),
  );
  out.commands.push({
    type: 'ArmTimer',
    kind: 'backoff',
    keyParts: [slug, trigger.partitionKey ?? ''],
    dueAt: until,
    payload: { workflowSlug: slug, partitionKey: trigger.partitionKey, nextEligibleAt: until },
  });
}

/** Decides an auto run: `enqueued` plus the request. The run id is derived from cause × workflow × partition. */
export function enqueueRun(
  state: MaterializerState,
  workflow: WorkflowDefinition,
  spec: TriggerSpec,
  cause: CauseEvent,
  followUpOf: string | null,
  out: SagaOutput,
): void {
  const runId = derivedEventId(cause.id, 'auto-run', workflow.slug, spec.partitionKey);
  out.events.push(
    decisionEvent('enqueued', cause, {
      workflowSlug: workflow.slug,
      assetId: spec.assetId,
      partitionKey: spec.partitionKey,
      reason: spec.reason,
      runId,
      trigger: spec,
      followUpOf,
    }),
  );
  out.commands.push({
    type: 'RequestAutoRun',
    request: autoRunRequest(state, workflow, spec, runId, cause, followUpOf),
  });
}

function autoRunRequest(
  state: MaterializerState,
  workflow: WorkflowDefinition,
  spec: TriggerSpec,
  runId: string,
  cause: CauseEvent,
  followUpOf: string | null,
): AutoRunRequest {
  const source = producedDeclaration(workflow, spec.sourceAssetId);
  const stored = state.parameters.get(assetPartitionKey(workflow.slug, spec.sourceAssetId, spec.partitionKey));
  const parameters = mergeLayers(
    workflow.defaultParameters,
    source?.autoMaterialize?.parameterDefaults,
    stored?.parameters,
    spec.backfill?.parameters,
    partitionParameters(runPartitioning(workflow, source), spec.partitionKey),
  );
  const uniquePart = spec.upstream?.runId ?? spec.waitingRun?.runId ?? spec.expiry?.reason ?? spec.eventId;
  const priority = spec.backfill ? undefined : source?.autoMaterialize?.priority;
  return {
    runId,
    workflow,
    partitionKey: spec.partitionKey,
    parameters,
    // A backfill run's id (derived from backfill × partition) is its uniqueness; no run key to reserve and release.
    runKey: spec.backfill ? null : composeRunKey(['asset', spec.assetId, spec.partitionKey, spec.reason, uniquePart]),
    priority: typeof priority === 'number' && Number.isFinite(priority) ? Math.trunc(priority) : null,
    trigger: runTrigger(spec, followUpOf),
    causationId: cause.id,
    correlationId: spec.upstream?.runId ?? spec.eventId,
  };
}

/** The `trigger` stored on an auto run (DESIGN §7, §12), plus the causation chain that stops cycles. */
export function runTrigger(spec: TriggerSpec, followUpOf: string | null): RunTrigger {
  const covers = spec.backfillIds ? { backfillIds: spec.backfillIds } : {};
  if (spec.backfill) {
    return {
      type: 'backfill',
      backfillId: spec.backfill.backfillId,
      assetId: spec.assetId,
      ...(spec.partitionKey === null ? {} : { partitionKey: spec.partitionKey }),
      ...covers,
      chain: spec.chain,
      triggerEventId: spec.eventId,
      ...(spec.coalesced > 0 ? { coalesced: spec.coalesced } : {}),
      ...(followUpOf ? { followUpOf } : {}),
    };
  }
  if (spec.reason === 'dependency') {
    return {
      type: 'dependency',
      assetId: spec.assetId,
      ...(spec.partitionKey === null ? {} : { partitionKey: spec.partitionKey }),
      ...(spec.waitingRun ? { waitingRun: spec.waitingRun } : {}),
      ...covers,
      chain: spec.chain,
      triggerEventId: spec.eventId,
      ...(spec.coalesced > 0 ? { coalesced: spec.coalesced } : {}),
      ...(followUpOf ? { followUpOf } : {}),
    };
  }
  return {
    type: 'auto-materialize',
    reason: spec.reason,
    assetId: spec.assetId,
    ...(spec.partitionKey === null ? {} : { partitionKey: spec.partitionKey }),
    ...(spec.upstream ? { upstream: spec.upstream } : {}),
    ...(spec.expiry ? { expiry: spec.expiry } : {}),
    ...covers,
    chain: spec.chain,
    triggerEventId: spec.eventId,
    ...(spec.coalesced > 0 ? { coalesced: spec.coalesced } : {}),
    ...(followUpOf ? { followUpOf } : {}),
  };
}
