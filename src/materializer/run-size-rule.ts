import { encodedEventSize } from '../events/event-size.js';
import { runRequestedEnvelope } from '../runs/run-requested-event.js';
import type { TriggerSpec } from './materializer.events.js';
import {
  autoRunInput,
  decisionEvent,
  type AutoRunRequest,
  type DecisionEvent,
  type SagaOutput,
} from './saga-output.js';
import { assetPartitionKey, type MaterializerContext, type MaterializerState } from './saga-state.js';
import { producedDeclaration } from './workflow-graph.js';

/** The `skipped` reason of a run whose `workflow.run.requested` the NATS server would refuse (`max_payload`). */
export const RUN_REQUEST_TOO_LARGE = 'run_request_too_large';

/**
 * The last rule of every decision: a run the saga chose to request whose `workflow.run.requested` could never be
 * stored (its merged parameters and steps exceed the server's `max_payload`) is not requested. Its `enqueued`
 * decision becomes `skipped` (`run_request_too_large`, the size of each parameter layer in the detail), which ends
 * the trigger like any skip: nothing is retried, the target's pending trigger is cleared, and a backfill counts the
 * partition as skipped. An event that cannot be published is the data's fault, never an infrastructure error.
 */
export function refuseOversizedRuns(state: MaterializerState, context: MaterializerContext, out: SagaOutput): void {
  for (const command of [...out.commands]) {
    if (command.type !== 'RequestAutoRun') continue;
    const index = out.events.findIndex((e) => e.data.outcome === 'enqueued' && e.data.runId === command.request.runId);
    const enqueued = out.events[index];
    if (!enqueued) continue;
    const { input, metadata } = autoRunInput(command.request);
    const size = encodedEventSize(runRequestedEnvelope(input, metadata, enqueued.data.at));
    if (size <= context.maxEventBytes) continue;
    out.commands.splice(out.commands.indexOf(command), 1);
    out.events[index] = skippedTooLarge(state, enqueued, command.request, size, context.maxEventBytes);
  }
}

function skippedTooLarge(
  state: MaterializerState,
  enqueued: DecisionEvent,
  request: AutoRunRequest,
  size: number,
  limit: number,
): DecisionEvent {
  const { data } = enqueued;
  const cause = { id: data.cause.eventId, type: data.cause.type, seq: data.cause.seq, occurredAt: data.at };
  const layers = layerSizes(state, request, data.trigger!);
  const detail =
    `workflow.run.requested would be ${size} bytes, above the NATS server's max_payload of ${limit} bytes; ` +
    `layers: ${layers.map(([name, bytes]) => `${name} ${bytes} B`).join(', ')}`;
  return decisionEvent('skipped', cause, {
    workflowSlug: data.workflowSlug,
    assetId: data.assetId,
    partitionKey: data.partitionKey,
    reason: RUN_REQUEST_TOO_LARGE,
    detail,
    trigger: data.trigger,
    ...(data.followUpOf ? { followUpOf: data.followUpOf } : {}),
  });
}

/** The JSON size of each part that goes into the run request, largest first (which layer to shrink). */
function layerSizes(state: MaterializerState, request: AutoRunRequest, spec: TriggerSpec): Array<[string, number]> {
  const { workflow, partitionKey } = request;
  const source = producedDeclaration(workflow, spec.sourceAssetId);
  const stored = state.parameters.get(assetPartitionKey(workflow.slug, spec.sourceAssetId, partitionKey));
  const layers: Array<[string, unknown]> = [
    ['workflow defaultParameters', workflow.defaultParameters],
    [`parameterDefaults of "${spec.sourceAssetId}"`, source?.autoMaterialize?.parameterDefaults],
    ['stored partition parameters', stored?.parameters],
    ['backfill parameters', spec.backfill?.parameters],
    ['steps', workflow.steps],
  ];
  return layers
    .map(([name, value]): [string, number] => [name, jsonBytes(value)])
    .filter(([, bytes]) => bytes > 0)
    .sort((a, b) => b[1] - a[1]);
}

function jsonBytes(value: unknown): number {
  return value === undefined || value === null ? 0 : Buffer.byteLength(JSON.stringify(value), 'utf8');
}
