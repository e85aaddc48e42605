import type { EventSchema } from '../events/event-schemas.js';
import type { CheckSeverity, Freshness, WorkflowStep } from '../workflows/workflow-definition.js';

/** Why a run exists (`{type:"manual"}` by default; the materializer and dependency waits set their own). */
export type RunTrigger = { type: string; [key: string]: unknown };

/** `{message, code}` of a failed step or run. */
export interface RunError {
  message: string;
  code: string;
  details?: unknown;
}

/** One asset recorded by a succeeded step: validated against the declaration, partition key resolved. */
export interface RecordedAsset {
  assetId: string;
  partitionKey: string | null;
  producedAt: string;
  payload: unknown;
  schema: Record<string, unknown> | null;
  freshness: Freshness | null;
  /** Results of the asset's declared checks (DESIGN §14); absent when the asset declares none. */
  checks?: CheckResult[];
}

/**
 * One check result of a materialization: reported by the job (`result.assets[].checks`) and/or evaluated by the
 * service (`payloadSchema`; both must pass when both apply). Severity and blocking are copied from the declaration.
 */
export interface CheckResult {
  name: string;
  severity: CheckSeverity;
  blocking: boolean;
  passed: boolean;
  /** `job`, `service` (a payload rule) or `job+service`. */
  source: 'job' | 'service' | 'job+service';
  /** What the job reported with the result; null when nothing. */
  metadata: unknown;
  /** Why the payload rule failed (JSON pointers into the payload); empty when it passed or did not apply. */
  violations: Array<{ path: string; message: string }>;
}

/** A warning on a step (e.g. an undeclared asset in the result), reported instead of silently dropped. */
export interface StepWarning {
  code: string;
  assetId: string | null;
  message: string;
}

/** `workflow.run.requested` — the first event of every run; the subject must be empty when it is appended. */
export interface RunRequested {
  runId: string;
  workflowSlug: string;
  workflowDefinitionId: string;
  workflowVersion: number;
  /** The steps as they were when the run was requested, so a later definition change cannot alter a running run. */
  steps: WorkflowStep[];
  partitionKey: string | null;
  runKey: string | null;
  parameters: Record<string, unknown>;
  triggeredBy: string | null;
  trigger: RunTrigger;
  /** Start order among gated auto runs (lower first); null for runs that start at once. */
  priority: number | null;
  requestedAt: string;
}

export interface StepDispatched {
  stepId: string;
  attempt: number;
  stepType: 'job' | 'service';
  jobSlug: string | null;
  serviceUrl: string | null;
  parameters: Record<string, unknown>;
  partitionKey: string | null;
  timeoutMs: number | null;
  dispatchedAt: string;
}

export interface StepSucceeded {
  stepId: string;
  attempt: number;
  completedAt: string;
  assets: RecordedAsset[];
  warnings: StepWarning[];
}

export interface StepFailed {
  stepId: string;
  attempt: number;
  completedAt: string;
  error: RunError;
  warnings: StepWarning[];
}

export interface StepRetryScheduled {
  stepId: string;
  attempt: number;
  retryAt: string;
}

export interface StepSkipped {
  stepId: string;
  reason: string;
}

export interface RunWaiting {
  stepId: string;
  assetId: string;
  partitionKey: string | null;
  producerWorkflowSlug: string | null;
  producerRunId: string | null;
  since: string;
  waitUntil: string;
}

export interface RunResumed {
  stepId: string;
  assetId: string;
  resumedAt: string;
}

export type RunEventMap = {
  'workflow.run.requested': RunRequested;
  'workflow.run.started': { startedAt: string };
  'workflow.run.waiting': RunWaiting;
  'workflow.run.resumed': RunResumed;
  'workflow.run.cancel-requested': { requestedAt: string; reason: string | null };
  'workflow.step.dispatched': StepDispatched;
  'workflow.step.succeeded': StepSucceeded;
  'workflow.step.failed': StepFailed;
  'workflow.step.retry-scheduled': StepRetryScheduled;
  'workflow.step.skipped': StepSkipped;
  'workflow.run.succeeded': { completedAt: string };
  'workflow.run.failed': { completedAt: string; error: RunError };
  'workflow.run.canceled': { completedAt: string; reason: string | null };
};

export type RunEventType = keyof RunEventMap;
export type RunEvent = { [K in RunEventType]: { type: K; data: RunEventMap[K] } }[RunEventType];

export const TERMINAL_RUN_EVENTS: readonly RunEventType[] = [
  'workflow.run.succeeded',
  'workflow.run.failed',
  'workflow.run.canceled',
];

const instant = { type: 'string', format: 'date-time' };
const nullableString = { type: ['string', 'null'] };
const error = {
  type: 'object',
  required: ['message', 'code'],
  properties: { message: { type: 'string' }, code: { type: 'string' }, details: {} },
};
const warnings = {
  type: 'array',
  items: {
    type: 'object',
    required: ['code', 'assetId', 'message'],
    properties: { code: { type: 'string' }, assetId: nullableString, message: { type: 'string' } },
  },
};
const asset = {
  type: 'object',
  required: ['assetId', 'partitionKey', 'producedAt', 'payload', 'schema', 'freshness'],
  properties: {
    assetId: { type: 'string', minLength: 1 },
    partitionKey: nullableString,
    producedAt: instant,
    payload: {},
    schema: { type: ['object', 'null'] },
    freshness: { type: ['object', 'null'] },
    checks: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'severity', 'blocking', 'passed', 'source', 'metadata', 'violations'],
        properties: {
          name: { type: 'string', minLength: 1 },
          severity: { enum: ['warn', 'error'] },
          blocking: { type: 'boolean' },
          passed: { type: 'boolean' },
          source: { enum: ['job', 'service', 'job+service'] },
          metadata: {},
          violations: { type: 'array' },
        },
      },
    },
  },
};

function schema(type: RunEventType, required: string[], properties: Record<string, unknown>): EventSchema {
  return { type, schemaVersion: 1, data: { type: 'object', required, properties } };
}

export const runEventSchemas: EventSchema[] = [
  schema(
    'workflow.run.requested',
    [
      'runId',
      'workflowSlug',
      'workflowDefinitionId',
      'workflowVersion',
      'steps',
      'partitionKey',
      'runKey',
      'parameters',
      'triggeredBy',
      'trigger',
      'priority',
      'requestedAt',
    ],
    {
      runId: { type: 'string', minLength: 1 },
      workflowSlug: { type: 'string', minLength: 1 },
      workflowDefinitionId: { type: 'string' },
      workflowVersion: { type: 'integer', minimum: 1 },
      steps: { type: 'array', minItems: 1 },
      partitionKey: nullableString,
      runKey: nullableString,
      parameters: { type: 'object' },
      triggeredBy: nullableString,
      trigger: { type: 'object', required: ['type'], properties: { type: { type: 'string' } } },
      priority: { type: ['integer', 'null'] },
      requestedAt: instant,
    },
  ),
  schema('workflow.run.started', ['startedAt'], { startedAt: instant }),
  schema(
    'workflow.run.waiting',
    ['stepId', 'assetId', 'partitionKey', 'producerWorkflowSlug', 'producerRunId', 'since', 'waitUntil'],
    {
      stepId: { type: 'string' },
      assetId: { type: 'string' },
      partitionKey: nullableString,
      producerWorkflowSlug: nullableString,
      producerRunId: nullableString,
      since: instant,
      waitUntil: instant,
    },
  ),
  schema('workflow.run.resumed', ['stepId', 'assetId', 'resumedAt'], {
    stepId: { type: 'string' },
    assetId: { type: 'string' },
    resumedAt: instant,
  }),
  schema('workflow.run.cancel-requested', ['requestedAt', 'reason'], { requestedAt: instant, reason: nullableString }),
  schema(
    'workflow.step.dispatched',
    [
      'stepId',
      'attempt',
      'stepType',
      'jobSlug',
      'serviceUrl',
      'parameters',
      'partitionKey',
      'timeoutMs',
      'dispatchedAt',
    ],
    {
      stepId: { type: 'string' },
      attempt: { type: 'integer', minimum: 1 },
      stepType: { enum: ['job', 'service'] },
      jobSlug: nullableString,
      serviceUrl: nullableString,
      parameters: { type: 'object' },
      partitionKey: nullableString,
      timeoutMs: { type: ['integer', 'null'] },
      dispatchedAt: instant,
    },
  ),
  schema('workflow.step.succeeded', ['stepId', 'attempt', 'completedAt', 'assets', 'warnings'], {
    stepId: { type: 'string' },
    attempt: { type: 'integer', minimum: 1 },
    completedAt: instant,
    assets: { type: 'array', items: asset },
    warnings,
  }),
  schema('workflow.step.failed', ['stepId', 'attempt', 'completedAt', 'error', 'warnings'], {
    stepId: { type: 'string' },
    attempt: { type: 'integer', minimum: 1 },
    completedAt: instant,
    error,
    warnings,
  }),
  schema('workflow.step.retry-scheduled', ['stepId', 'attempt', 'retryAt'], {
    stepId: { type: 'string' },
    attempt: { type: 'integer', minimum: 2 },
    retryAt: instant,
  }),
  schema('workflow.step.skipped', ['stepId', 'reason'], { stepId: { type: 'string' }, reason: { type: 'string' } }),
  schema('workflow.run.succeeded', ['completedAt'], { completedAt: instant }),
  schema('workflow.run.failed', ['completedAt', 'error'], { completedAt: instant, error }),
  schema('workflow.run.canceled', ['completedAt', 'reason'], { completedAt: instant, reason: nullableString }),
];
