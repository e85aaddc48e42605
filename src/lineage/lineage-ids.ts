import { v5 as uuidv5, validate as isUuid } from 'uuid';

/** Namespace of every id this emitter derives (fixed forever: changing it changes every emitted run id). */
const LINEAGE_ID_NAMESPACE = '3b0c7f5e-8a4d-4c21-9f6e-5d2a1b7c9e04';

/**
 * The OpenLineage `runId` of a workflow run: the run's own id, which is already a UUID (v7 for runs requested over
 * HTTP, v5 for runs derived from a trigger, a dependency or a backfill). Any other id is mapped to a UUID derived
 * from it, so the field always validates and is still the same on every redelivery.
 */
export function workflowRunLineageId(runId: string): string {
  return isUuid(runId) ? runId.toLowerCase() : uuidv5(`run\u001f${runId}`, LINEAGE_ID_NAMESPACE);
}

/** The OpenLineage `runId` of one attempt of a step: derived from the workflow run, the step and the attempt. */
export function stepRunLineageId(runLineageId: string, stepId: string, attempt: number): string {
  return uuidv5(`step\u001f${runLineageId}\u001f${stepId}\u001f${attempt}`, LINEAGE_ID_NAMESPACE);
}

/** `Nats-Msg-Id` of a published event: derived from its bytes, so a re-publish is deduplicated by the server. */
export function lineageMessageId(body: string): string {
  return uuidv5(body, LINEAGE_ID_NAMESPACE);
}
