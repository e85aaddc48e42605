import { derivedEventId, type EventMetadata, type NewEvent } from '../events/envelope.js';
import type { RunRequestInput } from '../runs/run-requested-event.js';
import type { RunTrigger } from '../runs/run.events.js';
import type { WorkflowDefinition } from '../workflows/workflow-definition.js';
import type { MaterializerEventMap, TriggerDecision, TriggerOutcome } from './materializer.events.js';

/** A run the saga wants requested; its id is derived from the causing event, so asking twice finds the same run. */
export interface AutoRunRequest {
  runId: string;
  workflow: WorkflowDefinition;
  partitionKey: string | null;
  parameters: Record<string, unknown>;
  /** Null for backfill runs: their id, derived from backfill × partition, already makes them unique. */
  runKey: string | null;
  priority: number | null;
  trigger: RunTrigger;
  causationId: string;
  correlationId: string;
}

/** Who the materializer is in run records and event metadata. */
export const MATERIALIZER_ACTOR = 'asset-materializer';

/** The run request (and its metadata) an auto run is requested with: the effects send it, the saga sizes it. */
export function autoRunInput(request: AutoRunRequest): { input: RunRequestInput; metadata: EventMetadata } {
  const { workflow, runId, partitionKey, parameters, runKey, priority, trigger } = request;
  return {
    input: { workflow, runId, partitionKey, parameters, runKey, triggeredBy: MATERIALIZER_ACTOR, trigger, priority },
    metadata: { correlationId: request.correlationId, causationId: request.causationId, actor: MATERIALIZER_ACTOR },
  };
}

export type SagaTimerKind = 'freshness-ttl' | 'freshness-cadence' | 'backoff';

/** A side effect the shell carries out (idempotently) before the batch's checkpoint commits. */
export type MaterializerCommand =
  | { type: 'RequestAutoRun'; request: AutoRunRequest }
  | { type: 'ArmTimer'; kind: SagaTimerKind; keyParts: string[]; dueAt: string; payload: unknown };

export type DecisionEvent = NewEvent<keyof MaterializerEventMap, TriggerDecision> & { id: string };

/** What `decide` returns for one input event: decision events to append and commands to carry out. */
export interface SagaOutput {
  events: DecisionEvent[];
  commands: MaterializerCommand[];
}

export function emptyOutput(): SagaOutput {
  return { events: [], commands: [] };
}

/** The causing event as the saga sees it (a stored envelope satisfies it). */
export interface CauseEvent {
  id: string;
  type: string;
  seq: number;
  occurredAt: string;
}

const TYPE_OF: Record<TriggerOutcome, keyof MaterializerEventMap> = {
  enqueued: 'materializer.trigger.enqueued',
  coalesced: 'materializer.trigger.coalesced',
  'deferred-backoff': 'materializer.trigger.deferred-backoff',
  skipped: 'materializer.trigger.skipped',
};

type DecisionFields = Omit<
  TriggerDecision,
  'outcome' | 'at' | 'cause' | 'followUpOf' | 'nextEligibleAt' | 'detail' | 'trigger' | 'runId'
> &
  Partial<Pick<TriggerDecision, 'followUpOf' | 'nextEligibleAt' | 'detail' | 'trigger' | 'runId'>>;

/** A decision event; one per cause × workflow × partition, with an id derived from them. */
export function decisionEvent(outcome: TriggerOutcome, cause: CauseEvent, fields: DecisionFields): DecisionEvent {
  const data: TriggerDecision = {
    runId: null,
    trigger: null,
    followUpOf: null,
    nextEligibleAt: null,
    detail: null,
    ...fields,
    outcome,
    at: cause.occurredAt,
    cause: { eventId: cause.id, type: cause.type, seq: cause.seq },
  };
  return {
    id: derivedEventId(cause.id, 'materializer.trigger', fields.workflowSlug, fields.partitionKey),
    type: TYPE_OF[outcome],
    data,
  };
}
