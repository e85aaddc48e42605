import type { StoredEvent } from '../events/envelope.js';
import type { RunWaiting } from '../runs/run.events.js';
import type { TriggerSpec } from './materializer.events.js';
import { decisionEvent, type SagaOutput } from './saga-output.js';
import type { MaterializerState } from './saga-state.js';
import { gateTrigger } from './trigger-gate.js';
import { checkRunKey, producedDeclaration, runPartitioning } from './workflow-graph.js';

/**
 * `workflow.run.waiting` naming a producer → a `dependency` trigger for that producer × partition (DESIGN §6),
 * through the same gate as every other trigger (coalesced with an auto run in flight, deferred during a backoff),
 * with the same parameter merge. No `autoMaterialize` policy is needed: the orchestrator ensures the dependency
 * exists. The chain holds the waiting workflow, so the producer's new materialization does not also re-run it.
 */
export function decideDependency(state: MaterializerState, event: StoredEvent<string, RunWaiting>, out: SagaOutput) {
  const data = event.data;
  if (!data.producerWorkflowSlug) return;
  const workflow = state.workflows.get(data.producerWorkflowSlug);
  const declaration = producedDeclaration(workflow, data.assetId);
  if (!workflow || !declaration) return;
  const partitionKey = runPartitioning(workflow, declaration) === null ? null : data.partitionKey;
  const waitingSlug = event.subject.split('.').slice(-2)[0]!;
  const misfit = checkRunKey(workflow, partitionKey);
  if (misfit) {
    out.events.push(
      decisionEvent('skipped', event, {
        workflowSlug: workflow.slug,
        assetId: data.assetId,
        partitionKey,
        reason: 'partition_mismatch',
        detail: misfit,
      }),
    );
    return;
  }
  const spec: TriggerSpec = {
    reason: 'dependency',
    assetId: data.assetId,
    sourceAssetId: data.assetId,
    partitionKey,
    upstream: null,
    expiry: null,
    chain: [waitingSlug, workflow.slug],
    eventId: event.id,
    coalesced: 0,
    waitingRun: {
      workflowSlug: waitingSlug,
      runId: event.subject.slice(event.subject.lastIndexOf('.') + 1),
      stepId: data.stepId,
    },
  };
  gateTrigger(state, workflow, spec, event, out);
}
