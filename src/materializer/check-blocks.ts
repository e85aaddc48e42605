import type { AssetExpired, AssetProduced } from '../assets/asset.events.js';
import { mapPartitionKey } from '../partitions/index.js';
import type { WorkflowDefinition } from '../workflows/workflow-definition.js';
import type { TriggerReason } from './materializer.events.js';
import {
  assetPartitionKey,
  targetKey,
  type BlockedInput,
  type CheckBlock,
  type MaterializerState,
  type TargetState,
} from './saga-state.js';
import { producedDeclaration, runPartitioning, upstreamInterest, upstreamPartitioning } from './workflow-graph.js';

/**
 * Blocking checks downstream of a materialization (DESIGN §14, issue 20). A run of workflow W for partition p reads
 * the newest materialization of every asset W consumes (in the partition that maps onto p). When one of them failed
 * a blocking check, every automatic run of W × p is downstream of it and is stopped: upstream updates (of this or
 * any other input), expiries of W's own assets and backfill partitions. The block is kept on W × p's target (the
 * failed input, its partition, event and checks) until a materialization of that input × partition passes.
 *
 * What is *not* downstream: the expired asset's own producer is not stopped by a failed check of the expired asset
 * (re-running it is how a passing materialization arrives; its consumers are never triggered by the expiry and
 * read the new materialization only once it passed); operators' stale marks with `triggerRun` and dependency
 * requests of a waiting run are explicit requests, not auto-materialization.
 */

/** The skip reason of a trigger stopped by a failed blocking check. */
export const BLOCKED_BY_CHECK = 'blocked-by-check';

/** The trigger kinds a blocked input stops. */
export const BLOCKABLE_REASONS: ReadonlySet<TriggerReason> = new Set(['upstream-update', 'expiry', 'backfill']);

/** An input materialization that replaces a blocked one (its asset × partition); its own checks are judged apart. */
export interface InputRef {
  assetId: string;
  partitionKey: string | null;
}

/** Every other workflow that consumes the produced asset, with the partition of its runs that reads it. */
export function consumerTargets(
  state: MaterializerState,
  data: Pick<AssetProduced, 'assetId' | 'workflowSlug' | 'partitionKey'>,
): Array<{ workflow: WorkflowDefinition; partitionKey: string | null }> {
  const targets: Array<{ workflow: WorkflowDefinition; partitionKey: string | null }> = [];
  for (const slug of state.consumers.get(data.assetId) ?? []) {
    if (slug === data.workflowSlug) continue;
    const workflow = state.workflows.get(slug);
    const step = workflow?.steps.find((s) => s.consumes.some((declaration) => declaration.assetId === data.assetId));
    if (!workflow || !step) continue;
    // The same mapping the upstream rule uses, also for consumers that never opted in (backfills need no policy).
    const interest = upstreamInterest(workflow, data.assetId);
    const consumer = interest.kind === 'opted-in' ? interest.step : step;
    const source = interest.kind === 'none' ? undefined : interest.source;
    const from = upstreamPartitioning(state.workflows.get(data.workflowSlug), consumer, data.assetId);
    const mapped = mapPartitionKey(from, runPartitioning(workflow, source), data.partitionKey);
    if (mapped.ok) targets.push({ workflow, partitionKey: mapped.key });
  }
  return targets;
}

/** The blocked inputs of a target that still block, once `replacedBy` (a newer materialization) is left out. */
export function blockingInputs(target: TargetState | undefined, replacedBy?: InputRef | null): BlockedInput[] {
  return (target?.checkBlock?.inputs ?? []).filter((input) => !sameInput(input, replacedBy));
}

function sameInput(input: InputRef, other: InputRef | null | undefined): boolean {
  return (
    other !== null &&
    other !== undefined &&
    input.assetId === other.assetId &&
    input.partitionKey === other.partitionKey
  );
}

/** How a `blocked-by-check` decision names what blocks. */
export function describeBlock(inputs: readonly BlockedInput[]): string {
  return inputs
    .map(
      (input) =>
        `blocking check(s) ${input.checks.join(', ')} failed on the newest materialization of input "${input.assetId}"` +
        `${input.partitionKey === null ? '' : ` (partition ${input.partitionKey})`} at seq ${input.seq}`,
    )
    .join('; ');
}

/** A target's new check block (undefined: none) for the state fold. */
export interface CheckBlockChange {
  key: string;
  workflowSlug: string;
  partitionKey: string | null;
  checkBlock: CheckBlock | undefined;
}

/**
 * What an `asset.produced` changes (state fold): each consumer target records the input as blocked when its
 * blocking checks failed, or drops it when they passed; the producer's own target lets go of an expiry it held for
 * this asset (the new materialization serves it). A block with no inputs left releases its held expiry: `decide`
 * already requested its run (or the upstream update's run serves it).
 */
export function checkBlockChanges(
  state: MaterializerState,
  event: { id: string; seq: number; data: AssetProduced },
): CheckBlockChange[] {
  const data = event.data;
  const failed = data.failedBlockingChecks ?? [];
  const changes: CheckBlockChange[] = [];
  const ownKey = targetKey(data.workflowSlug, data.partitionKey);
  const own = state.targets.get(ownKey)?.checkBlock;
  if (own?.heldExpiry?.assetId === data.assetId)
    changes.push({
      key: ownKey,
      ...located(data.workflowSlug, data.partitionKey),
      checkBlock: { ...own, heldExpiry: null },
    });
  for (const { workflow, partitionKey } of consumerTargets(state, data)) {
    const key = targetKey(workflow.slug, partitionKey);
    const block = state.targets.get(key)?.checkBlock;
    if (failed.length === 0 && !block) continue;
    const inputs = blockingInputs(state.targets.get(key), data);
    if (failed.length > 0)
      inputs.push({
        assetId: data.assetId,
        partitionKey: data.partitionKey,
        eventId: event.id,
        seq: event.seq,
        checks: failed,
      });
    const checkBlock = inputs.length > 0 ? { inputs, heldExpiry: block?.heldExpiry ?? null } : undefined;
    changes.push({ key, ...located(workflow.slug, partitionKey), checkBlock });
  }
  return changes;
}

const located = (workflowSlug: string, partitionKey: string | null) => ({ workflowSlug, partitionKey });

/**
 * What an `asset.expired` changes (state fold): when the asset declares *blocking* freshness checks, its expired
 * materialization just failed them (the timer appends those results), so its consumers' targets are blocked on it
 * like on a materialization that arrived with failed blocking checks — until the asset is produced again and
 * passes. An expiry of a materialization that was already replaced changes nothing.
 */
export function expiryBlockChanges(
  state: MaterializerState,
  event: { seq: number; data: AssetExpired },
): CheckBlockChange[] {
  const data = event.data;
  const checks = (producedDeclaration(state.workflows.get(data.workflowSlug), data.assetId)?.checks ?? [])
    .filter((check) => check.freshness !== undefined && check.blocking === true)
    .map((check) => check.name);
  if (checks.length === 0) return [];
  const latest = state.latest.get(assetPartitionKey(data.workflowSlug, data.assetId, data.partitionKey));
  if (latest && latest.eventId !== data.producedEventId) return [];
  const input = {
    assetId: data.assetId,
    partitionKey: data.partitionKey,
    eventId: data.producedEventId,
    seq: event.seq,
    checks,
  };
  return consumerTargets(state, data).map(({ workflow, partitionKey }) => {
    const key = targetKey(workflow.slug, partitionKey);
    const target = state.targets.get(key);
    const inputs = [...blockingInputs(target, data), input];
    return {
      key,
      ...located(workflow.slug, partitionKey),
      checkBlock: { inputs, heldExpiry: target?.checkBlock?.heldExpiry ?? null },
    };
  });
}
