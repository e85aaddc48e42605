import { DomainError } from '../domain/domain-error.js';
import { encodedEventSize } from '../events/event-size.js';
import type { WorkflowDefinition } from '../workflows/workflow-definition.js';
import { runRequestedEnvelope } from './run-requested-event.js';

/** One parameter layer an auto or backfill run merges (DESIGN §7), with where the client set it. */
export interface ParameterLayer {
  /** What the layer is: `workflow defaultParameters`, `parameterDefaults of "<asset>"`, … */
  layer: string;
  /** JSON pointer of the layer in the request that sets it (the offending field of a 422). */
  path: string;
  value: unknown;
}

/**
 * Room for what a run request holds besides its steps and parameters: the trigger (ids, upstream, backfill ids,
 * causation chain), the run key, the partition's own parameters (`partitionKey`, `windowStart`, `windowEnd`), ids.
 */
const RUN_REQUEST_ROOM_BYTES = 4096;
const PLACEHOLDER_ID = '00000000-0000-0000-0000-000000000000';

/**
 * The largest `workflow.run.requested` the layers can merge into: every layer's keys distinct, so the merge is as
 * large as their sum, plus the workflow's steps and room for the rest.
 */
export function worstCaseRunRequestBytes(workflow: WorkflowDefinition, layers: readonly ParameterLayer[]): number {
  const bare = runRequestedEnvelope(
    {
      workflow,
      runId: PLACEHOLDER_ID,
      partitionKey: null,
      parameters: {},
      runKey: null,
      triggeredBy: 'asset-materializer',
      trigger: { type: 'auto-materialize', triggerEventId: PLACEHOLDER_ID },
      priority: null,
    },
    { correlationId: PLACEHOLDER_ID, causationId: PLACEHOLDER_ID, actor: 'asset-materializer' },
    new Date(0).toISOString(),
  );
  return encodedEventSize(bare) + RUN_REQUEST_ROOM_BYTES + layers.reduce((sum, l) => sum + jsonBytes(l.value), 0);
}

/**
 * Refuses (422 `run_request_too_large`) a definition, stored parameters or a backfill whose worst-case merged run
 * request could never be stored (above the NATS server's `max_payload`): each layer fits the body limit on its own,
 * but the run they merge into would not. The problem lists every layer with its size, largest first.
 */
export function assertRunRequestFits(
  workflow: WorkflowDefinition,
  layers: readonly ParameterLayer[],
  maxEventBytes: number,
): void {
  const size = worstCaseRunRequestBytes(workflow, layers);
  if (size <= maxEventBytes) return;
  const sized = [
    ...layers.map((l) => ({ layer: l.layer, path: l.path, bytes: jsonBytes(l.value) })),
    { layer: 'steps', path: '/steps', bytes: jsonBytes(workflow.steps) },
  ]
    .filter((l) => l.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes);
  const largest = sized[0]!;
  throw new DomainError(
    'run_request_too_large',
    `A run of "${workflow.slug}" would merge these parameters into a workflow.run.requested of up to ${size} bytes, ` +
      `above the ${maxEventBytes} bytes the NATS server accepts (max_payload); the largest layer is ` +
      `${largest.layer} (${largest.bytes} bytes).`,
    { size, limit: maxEventBytes, layers: sized },
  );
}

/** The layers a workflow brings itself: its `defaultParameters` and the largest `parameterDefaults` of its assets. */
export function definitionLayers(workflow: WorkflowDefinition, assetId?: string): ParameterLayer[] {
  const layers: ParameterLayer[] = [
    { layer: 'workflow defaultParameters', path: '/defaultParameters', value: workflow.defaultParameters },
  ];
  let largest: ParameterLayer | null = null;
  for (const [stepIndex, step] of workflow.steps.entries()) {
    for (const [index, declaration] of step.produces.entries()) {
      if (assetId !== undefined && declaration.assetId !== assetId) continue;
      const layer = {
        layer: `parameterDefaults of "${declaration.assetId}"`,
        path: `/steps/${stepIndex}/produces/${index}/autoMaterialize/parameterDefaults`,
        value: declaration.autoMaterialize?.parameterDefaults,
      };
      if (!largest || jsonBytes(layer.value) > jsonBytes(largest.value)) largest = layer;
    }
  }
  return largest ? [...layers, largest] : layers;
}

function jsonBytes(value: unknown): number {
  return value === undefined || value === null ? 0 : Buffer.byteLength(JSON.stringify(value), 'utf8');
}
