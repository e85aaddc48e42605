import type { BackfillPartitionRequested } from '../backfills/backfill.events.js';
import type { StoredEvent } from '../events/envelope.js';
import type { TriggerSpec } from './materializer.events.js';
import { decisionEvent, type SagaOutput } from './saga-output.js';
import type { MaterializerState } from './saga-state.js';
import { gateTrigger } from './trigger-gate.js';
import { checkRunKey } from './workflow-graph.js';

/**
 * `backfill.partition-requested` → a `backfill` trigger for that workflow × partition (DESIGN §12), through the gate
 * every trigger passes: with an auto run in flight for the partition it is coalesced (the follow-up run serves the
 * backfill, so a partition is never run twice at once), during a backoff it is deferred, otherwise its run is
 * requested with an id derived from this event (itself derived from backfill × partition). No `autoMaterialize`
 * policy is needed. Parameters: the usual merge plus the backfill's parameters (before the partition's own
 * `partitionKey`/`windowStart`/`windowEnd`). A key the workflow's partitioning no longer takes is `skipped`.
 */
export function decideBackfillPartition(
  state: MaterializerState,
  event: StoredEvent<string, BackfillPartitionRequested>,
  out: SagaOutput,
): void {
  const data = event.data;
  const spec: TriggerSpec = {
    reason: 'backfill',
    assetId: data.assetId,
    sourceAssetId: data.assetId,
    partitionKey: data.partitionKey,
    upstream: null,
    expiry: null,
    chain: [data.workflowSlug],
    eventId: event.id,
    coalesced: 0,
    backfill: { backfillId: data.backfillId, parameters: data.parameters },
    backfillIds: [data.backfillId],
  };
  const base = { workflowSlug: data.workflowSlug, assetId: data.assetId, partitionKey: data.partitionKey };
  const workflow = state.workflows.get(data.workflowSlug);
  if (!workflow) {
    const detail = `the materializer knows no workflow "${data.workflowSlug}"`;
    out.events.push(decisionEvent('skipped', event, { ...base, reason: 'workflow_not_found', detail, trigger: spec }));
    return;
  }
  const misfit = checkRunKey(workflow, data.partitionKey);
  if (misfit) {
    out.events.push(
      decisionEvent('skipped', event, { ...base, reason: 'partition_mismatch', detail: misfit, trigger: spec }),
    );
    return;
  }
  gateTrigger(state, workflow, spec, event, out);
}
