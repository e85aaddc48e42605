import { snapshotCodec } from '../domain/snapshot-codec.js';
import type { RunState, StepState } from './run-state.js';
import type { RecordedAsset, RunError, RunRequested, RunWaiting, StepWarning } from './run.events.js';

/**
 * A step as stored in a run snapshot, version 1. Spelled out rather than borrowed from `StepState`: changing the
 * in-memory type then fails to compile here, and the change gets a version of its own (with an upgrade).
 */
export interface StepSnapshotV1 {
  stepId: string;
  status: 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';
  attempt: number;
  startedAt: string | null;
  completedAt: string | null;
  error: RunError | null;
  warnings: StepWarning[];
  producedAssets: RecordedAsset[];
  retryAttempt: number | null;
  completions: Array<{ attempt: number; status: 'succeeded' | 'failed'; seq: number; completedAt: string }>;
}

/**
 * A run as stored (`run_executor_run.state`, `workflow_run.state`), version 1: the fields of the folded run beside
 * `v`, so SQL that reads `state->'steps'` or `state->'request'` keeps working. The request is the
 * `workflow.run.requested` payload (a storage contract of its own).
 */
export interface RunSnapshotV1 {
  v: 1;
  request: RunRequested;
  status: 'pending' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'canceled';
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  error: RunError | null;
  cancelRequested: boolean;
  waiting: RunWaiting | null;
  steps: Record<string, StepSnapshotV1>;
  requestedSeq: number;
  lastSeq: number;
}

/** The run snapshot codec: what the run executor and the run history store, and read back. */
export const runSnapshot = snapshotCodec<RunState, RunSnapshotV1>({
  name: 'run',
  version: 1,
  encode: (run) => ({
    v: 1,
    request: run.request,
    status: run.status,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    completedAt: run.completedAt,
    error: run.error,
    cancelRequested: run.cancelRequested,
    waiting: run.waiting,
    steps: mapSteps<StepState, StepSnapshotV1>(run.steps, copyStep),
    requestedSeq: run.requestedSeq,
    lastSeq: run.lastSeq,
  }),
  decode: (row) => ({
    request: row.request,
    status: row.status,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    completedAt: row.completedAt,
    error: row.error,
    cancelRequested: row.cancelRequested,
    waiting: row.waiting,
    steps: mapSteps<StepSnapshotV1, StepState>(row.steps, copyStep),
    requestedSeq: row.requestedSeq,
    lastSeq: row.lastSeq,
  }),
});

/**
 * A step's stored fields, field by field (the same in both directions: `StepState` and `StepSnapshotV1` must stay
 * alike, or this stops compiling and the change needs a version of its own).
 */
function copyStep(step: StepSnapshotV1): StepSnapshotV1 {
  return {
    stepId: step.stepId,
    status: step.status,
    attempt: step.attempt,
    startedAt: step.startedAt,
    completedAt: step.completedAt,
    error: step.error,
    warnings: step.warnings,
    producedAssets: step.producedAssets,
    retryAttempt: step.retryAttempt,
    completions: step.completions,
  };
}

function mapSteps<A, B>(steps: Record<string, A>, convert: (step: A) => B): Record<string, B> {
  const out: Record<string, B> = {};
  for (const [stepId, step] of Object.entries(steps)) out[stepId] = convert(step);
  return out;
}
