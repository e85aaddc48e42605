import type { AssetProduced } from '../assets/asset.events.js';
import { mapPartitionKey } from '../partitions/index.js';
import type { WorkflowDefinition } from '../workflows/workflow-definition.js';
import type { TriggerSpec } from './materializer.events.js';
import { decisionEvent, type CauseEvent, type SagaOutput } from './saga-output.js';
import { blockingInputs, consumerTargets } from './check-blocks.js';
import { targetKey, type MaterializerState } from './saga-state.js';
import { gateTrigger } from './trigger-gate.js';
import { checkRunKey, runPartitioning, upstreamInterest, upstreamPartitioning } from './workflow-graph.js';

type Produced = CauseEvent & { data: AssetProduced };

/**
 * `asset.produced` of X → every *other* workflow whose step consumes X and produces an opted-in asset gets a trigger
 * for the partition X's key maps to. The producer never triggers itself; a causation chain that already holds the
 * target is a `cycle`; a key that cannot be mapped onto the target is a `partition_mismatch`; a materialization
 * whose blocking check failed is `blocked-by-check` (DESIGN §14).
 */
export function decideUpstreamUpdate(state: MaterializerState, event: Produced, out: SagaOutput): void {
  for (const slug of state.consumers.get(event.data.assetId) ?? []) {
    if (slug === event.data.workflowSlug) continue;
    const workflow = state.workflows.get(slug);
    if (workflow) considerConsumer(state, workflow, event, out);
  }
  releaseHeldExpiries(state, event, out);
}

/**
 * A passing materialization of a blocked input that lifts a target's last block releases the expiry it held
 * (DESIGN §14): through the gate, as a decision caused by this materialization. Not when this update already
 * decided a trigger for the target: its run (or follow-up) serves the expiry too.
 */
function releaseHeldExpiries(state: MaterializerState, event: Produced, out: SagaOutput): void {
  if ((event.data.failedBlockingChecks ?? []).length > 0) return;
  for (const { workflow, partitionKey } of consumerTargets(state, event.data)) {
    const target = state.targets.get(targetKey(workflow.slug, partitionKey));
    const held = target?.checkBlock?.heldExpiry;
    if (!held || blockingInputs(target, event.data).length > 0) continue;
    const decided = out.events.some(
      ({ data }) => data.workflowSlug === workflow.slug && data.partitionKey === partitionKey,
    );
    if (!decided) gateTrigger(state, workflow, held, event, out, event.data);
  }
}

function considerConsumer(
  state: MaterializerState,
  workflow: WorkflowDefinition,
  event: Produced,
  out: SagaOutput,
): void {
  const data = event.data;
  const interest = upstreamInterest(workflow, data.assetId);
  if (interest.kind === 'none') return;
  const skip = (reason: string, detail: string, partitionKey = data.partitionKey) =>
    out.events.push(
      decisionEvent('skipped', event, {
        workflowSlug: workflow.slug,
        assetId: data.assetId,
        partitionKey,
        reason,
        detail,
      }),
    );
  if (interest.kind === 'disabled')
    return void skip('policy_disabled', `asset "${interest.source.assetId}" has autoMaterialize.enabled = false`);
  const blocked = data.failedBlockingChecks ?? [];
  if (blocked.length > 0)
    return void skip(
      'blocked-by-check',
      `blocking check(s) ${blocked.join(', ')} failed on this materialization of "${data.assetId}"; a passing one triggers again`,
    );
  const upstreamChain = state.runs.get(data.workflowRunId)?.chain ?? [data.workflowSlug];
  if (upstreamChain.includes(workflow.slug))
    return void skip('cycle', `causation chain ${upstreamChain.join(' → ')} already contains "${workflow.slug}"`);
  const from = upstreamPartitioning(state.workflows.get(data.workflowSlug), interest.step, data.assetId);
  const mapped = mapPartitionKey(from, runPartitioning(workflow, interest.source), data.partitionKey);
  if (!mapped.ok) return void skip('partition_mismatch', mapped.reason);
  const misfit = checkRunKey(workflow, mapped.key);
  if (misfit) return void skip('partition_mismatch', misfit, mapped.key);
  const spec: TriggerSpec = {
    reason: 'upstream-update',
    assetId: data.assetId,
    sourceAssetId: interest.source.assetId,
    partitionKey: mapped.key,
    upstream: {
      workflowSlug: data.workflowSlug,
      runId: data.workflowRunId,
      eventSeq: event.seq,
      assetId: data.assetId,
      partitionKey: data.partitionKey,
    },
    expiry: null,
    chain: [...upstreamChain, workflow.slug],
    eventId: event.id,
    coalesced: 0,
  };
  gateTrigger(state, workflow, spec, event, out);
}
