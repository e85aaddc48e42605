import type { WorkflowStep } from '../workflows/workflow-definition.js';
import type {
  RecordedAsset,
  RunError,
  RunEvent,
  RunRequested,
  RunTrigger,
  RunWaiting,
  StepWarning,
} from './run.events.js';

export type RunStatus = 'pending' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'canceled';
export type StepStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';

/** What a completion of one attempt answered; repeated completions answer the same (idempotency). */
export interface CompletionRecord {
  attempt: number;
  status: 'succeeded' | 'failed';
  seq: number;
  completedAt: string;
}

export interface StepState {
  stepId: string;
  status: StepStatus;
  attempt: number;
  startedAt: string | null;
  completedAt: string | null;
  error: RunError | null;
  warnings: StepWarning[];
  producedAssets: RecordedAsset[];
  /** Set while a retry is scheduled: the attempt that will be dispatched next. */
  retryAttempt: number | null;
  completions: CompletionRecord[];
}

/** One run folded from the events on its subject. `lastSeq` is the stream sequence of the last event folded. */
export interface RunState {
  request: RunRequested;
  status: RunStatus;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  error: RunError | null;
  cancelRequested: boolean;
  waiting: RunWaiting | null;
  steps: Record<string, StepState>;
  /** Stream sequence of the `workflow.run.requested` event (dependency checks read models at this position). */
  requestedSeq: number;
  lastSeq: number;
}

export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'canceled'];

export function isTerminal(state: RunState): boolean {
  return TERMINAL_RUN_STATUSES.includes(state.status);
}

export function stepDefinition(state: RunState, stepId: string): WorkflowStep | undefined {
  return state.request.steps.find((step) => step.id === stepId);
}

/** Folds one event (with its stream sequence) into the run state. Pure. */
export function evolveRun(state: RunState | null, event: RunEvent & { seq: number }): RunState | null {
  if (event.type === 'workflow.run.requested') {
    if (state) return state;
    const steps: Record<string, StepState> = {};
    for (const step of event.data.steps) steps[step.id] = emptyStep(step.id);
    return {
      request: event.data,
      status: 'pending',
      createdAt: event.data.requestedAt,
      startedAt: null,
      completedAt: null,
      error: null,
      cancelRequested: false,
      waiting: null,
      steps,
      requestedSeq: event.seq,
      lastSeq: event.seq,
    };
  }
  if (!state || event.seq <= state.lastSeq) return state;
  const next: RunState = { ...state, steps: { ...state.steps }, lastSeq: event.seq };
  const withStep = (stepId: string, change: (step: StepState) => StepState) => {
    const step = next.steps[stepId];
    if (step) next.steps[stepId] = change(step);
  };
  switch (event.type) {
    case 'workflow.run.started':
      return { ...next, status: 'running', startedAt: event.data.startedAt };
    case 'workflow.run.waiting':
      return { ...next, status: 'waiting', waiting: event.data };
    case 'workflow.run.resumed':
      return { ...next, status: 'running', waiting: null };
    case 'workflow.run.cancel-requested':
      return { ...next, cancelRequested: true };
    case 'workflow.step.dispatched':
      withStep(event.data.stepId, (step) => ({
        ...step,
        status: 'running',
        attempt: event.data.attempt,
        startedAt: event.data.dispatchedAt,
        completedAt: null,
        error: null,
        retryAttempt: null,
      }));
      return next;
    case 'workflow.step.succeeded':
      withStep(event.data.stepId, (step) => ({
        ...step,
        status: 'succeeded',
        completedAt: event.data.completedAt,
        warnings: event.data.warnings,
        producedAssets: event.data.assets,
        completions: [
          ...step.completions,
          { attempt: event.data.attempt, status: 'succeeded', seq: event.seq, completedAt: event.data.completedAt },
        ],
      }));
      return next;
    case 'workflow.step.failed':
      withStep(event.data.stepId, (step) => ({
        ...step,
        status: 'failed',
        completedAt: event.data.completedAt,
        error: event.data.error,
        warnings: event.data.warnings,
        completions: [
          ...step.completions,
          { attempt: event.data.attempt, status: 'failed', seq: event.seq, completedAt: event.data.completedAt },
        ],
      }));
      return next;
    case 'workflow.step.retry-scheduled':
      withStep(event.data.stepId, (step) => ({ ...step, status: 'pending', retryAttempt: event.data.attempt }));
      return next;
    case 'workflow.step.skipped':
      withStep(event.data.stepId, (step) => ({ ...step, status: 'skipped' }));
      return next;
    case 'workflow.run.succeeded':
      return { ...next, status: 'succeeded', completedAt: event.data.completedAt, waiting: null };
    case 'workflow.run.failed':
      return { ...next, status: 'failed', completedAt: event.data.completedAt, error: event.data.error, waiting: null };
    case 'workflow.run.canceled':
      return { ...next, status: 'canceled', completedAt: event.data.completedAt, waiting: null };
  }
}

function emptyStep(stepId: string): StepState {
  return {
    stepId,
    status: 'pending',
    attempt: 0,
    startedAt: null,
    completedAt: null,
    error: null,
    warnings: [],
    producedAssets: [],
    retryAttempt: null,
    completions: [],
  };
}

/** The Run shape of the HTTP API (DESIGN §5). */
export interface RunView {
  id: string;
  workflowSlug: string;
  workflowDefinitionId: string;
  status: RunStatus;
  partitionKey: string | null;
  runKey: string | null;
  parameters: Record<string, unknown>;
  triggeredBy: string | null;
  trigger: RunTrigger;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  error: RunError | null;
  waitingFor: {
    stepId: string;
    assetId: string;
    partitionKey: string | null;
    producerWorkflowSlug: string | null;
    producerRunId: string | null;
    waitUntil: string;
  } | null;
  steps: Array<{
    stepId: string;
    status: StepStatus;
    attempt: number;
    startedAt: string | null;
    completedAt: string | null;
    error: { message: string; code: string } | null;
    warnings: StepWarning[];
    producedAssets: Array<{ assetId: string; partitionKey: string | null; producedAt: string }>;
  }>;
}

export function toRunView(state: RunState): RunView {
  const r = state.request;
  return {
    id: r.runId,
    workflowSlug: r.workflowSlug,
    workflowDefinitionId: r.workflowDefinitionId,
    status: state.status,
    partitionKey: r.partitionKey,
    runKey: r.runKey,
    parameters: r.parameters,
    triggeredBy: r.triggeredBy,
    trigger: r.trigger,
    createdAt: state.createdAt,
    startedAt: state.startedAt,
    completedAt: state.completedAt,
    error: state.error,
    waitingFor: state.waiting
      ? {
          stepId: state.waiting.stepId,
          assetId: state.waiting.assetId,
          partitionKey: state.waiting.partitionKey,
          producerWorkflowSlug: state.waiting.producerWorkflowSlug ?? null,
          producerRunId: state.waiting.producerRunId,
          waitUntil: state.waiting.waitUntil,
        }
      : null,
    steps: r.steps.map((definition) => {
      const step = state.steps[definition.id]!;
      return {
        stepId: step.stepId,
        status: step.status,
        attempt: step.attempt,
        startedAt: step.startedAt,
        completedAt: step.completedAt,
        error: step.error ? { message: step.error.message, code: step.error.code } : null,
        warnings: step.warnings,
        producedAssets: step.producedAssets.map((asset) => ({
          assetId: asset.assetId,
          partitionKey: asset.partitionKey,
          producedAt: asset.producedAt,
        })),
      };
    }),
  };
}
