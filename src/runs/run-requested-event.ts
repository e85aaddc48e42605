import { derivedEventId, toEnvelope, type EventEnvelope, type EventMetadata } from '../events/envelope.js';
import type { WorkflowDefinition } from '../workflows/workflow-definition.js';
import type { RunRequested, RunTrigger } from './run.events.js';

export interface RunRequestInput {
  workflow: WorkflowDefinition;
  runId: string;
  partitionKey: string | null;
  parameters: Record<string, unknown>;
  runKey: string | null;
  triggeredBy: string | null;
  trigger: RunTrigger;
  priority: number | null;
}

/**
 * The `workflow.run.requested` envelope a run request appends. Pure, so the materializer saga can build the same
 * event to learn, before deciding, whether the server could take it (`max_payload`).
 */
export function runRequestedEnvelope(
  input: RunRequestInput,
  metadata: EventMetadata,
  now: string,
): EventEnvelope<'workflow.run.requested', RunRequested> {
  const { workflow, runId } = input;
  const request: RunRequested = {
    runId,
    workflowSlug: workflow.slug,
    workflowDefinitionId: workflow.id,
    workflowVersion: workflow.version,
    steps: workflow.steps,
    partitionKey: input.partitionKey,
    runKey: input.runKey,
    parameters: input.parameters,
    triggeredBy: input.triggeredBy,
    trigger: input.trigger,
    priority: input.priority,
    requestedAt: now,
  };
  return toEnvelope(
    { id: derivedEventId(runId, 'workflow.run.requested'), type: 'workflow.run.requested', data: request },
    metadata,
    now,
  );
}
