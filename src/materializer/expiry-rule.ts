import type { AssetExpired, AssetStaleMarked } from '../assets/asset.events.js';
import { isWithinLookback } from '../partitions/index.js';
import type { TriggerReason, TriggerSpec } from './materializer.events.js';
import { rearmCadence } from './freshness.js';
import { decisionEvent, type CauseEvent, type SagaOutput } from './saga-output.js';
import { assetPartitionKey, type MaterializerState } from './saga-state.js';
import { gateTrigger } from './trigger-gate.js';
import { checkRunKey, isPolicyActive, producedDeclaration } from './workflow-graph.js';

/**
 * `asset.expired` of X → a run of X's producer for that partition when X's policy is active, unless a newer
 * materialization exists (`newer_materialization`) or the time window is older than the lookback
 * (`outside_lookback`, judged at the event's `occurredAt`). Consumers are not triggered by expiry directly: they
 * follow when the producer's rerun produces X again.
 */
export function decideExpiry(
  state: MaterializerState,
  event: CauseEvent & { data: AssetExpired },
  out: SagaOutput,
): void {
  const data = event.data;
  const workflow = state.workflows.get(data.workflowSlug);
  const declaration = producedDeclaration(workflow, data.assetId);
  const policy = declaration?.autoMaterialize;
  if (!workflow || !declaration || !policy) return;
  const skip = (reason: string, detail: string) =>
    out.events.push(
      decisionEvent('skipped', event, {
        workflowSlug: workflow.slug,
        assetId: data.assetId,
        partitionKey: data.partitionKey,
        reason,
        detail,
      }),
    );
  if (!isPolicyActive(policy))
    return void skip('policy_disabled', `asset "${data.assetId}" has autoMaterialize.enabled = false`);
  const latest = state.latest.get(assetPartitionKey(workflow.slug, data.assetId, data.partitionKey));
  if (latest && latest.eventId !== data.producedEventId) {
    return void skip(
      'newer_materialization',
      `materialization ${latest.eventId} (seq ${latest.seq}) replaced the expired one`,
    );
  }
  rearmCadence(event, declaration, out);
  const partitioning = declaration.partitioning;
  if (
    partitioning?.type === 'timeWindow' &&
    data.partitionKey !== null &&
    !isWithinLookback(partitioning, data.partitionKey, new Date(event.occurredAt))
  ) {
    return void skip('outside_lookback', `window ${data.partitionKey} is outside the lookback at ${event.occurredAt}`);
  }
  const misfit = checkRunKey(workflow, data.partitionKey);
  if (misfit) return void skip('partition_mismatch', misfit);
  gateTrigger(state, workflow, ownTrigger('expiry', data, event.id, { reason: data.reason }), event, out);
}

/** `asset.stale.marked` with `triggerRun: true` → a rerun of that producer × partition (an operator's request). */
export function decideStaleMark(
  state: MaterializerState,
  event: CauseEvent & { data: AssetStaleMarked },
  out: SagaOutput,
): void {
  const data = event.data;
  if (!data.triggerRun) return;
  const workflow = state.workflows.get(data.workflowSlug);
  if (!workflow || !producedDeclaration(workflow, data.assetId)) return;
  const misfit = checkRunKey(workflow, data.partitionKey);
  if (misfit) {
    out.events.push(
      decisionEvent('skipped', event, {
        workflowSlug: workflow.slug,
        assetId: data.assetId,
        partitionKey: data.partitionKey,
        reason: 'partition_mismatch',
        detail: misfit,
      }),
    );
    return;
  }
  gateTrigger(state, workflow, ownTrigger('stale-mark', data, event.id, null), event, out);
}

function ownTrigger(
  reason: TriggerReason,
  data: { workflowSlug: string; assetId: string; partitionKey: string | null },
  eventId: string,
  expiry: TriggerSpec['expiry'],
): TriggerSpec {
  return {
    reason,
    assetId: data.assetId,
    sourceAssetId: data.assetId,
    partitionKey: data.partitionKey,
    upstream: null,
    expiry,
    chain: [data.workflowSlug],
    eventId,
    coalesced: 0,
  };
}
