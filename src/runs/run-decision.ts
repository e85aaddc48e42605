import { derivedEventId, type NewEvent } from '../events/envelope.js';
import type { RunState } from './run-state.js';
import type { RunError, RunEventMap, RunEventType, RunRequested } from './run.events.js';

/* The vocabulary of run decisions: the commands, what a decision returns, and how its events get their ids. */

/** A consumed asset that is not available for a ready step (computed by the executor, which can read). */
export interface MissingAsset {
  stepId: string;
  assetId: string;
  partitionKey: string | null;
  producerWorkflowSlug: string | null;
  producerRunId: string | null;
  waitUntil: string;
}

export type RunCommand =
  | { type: 'RequestRun'; request: RunRequested }
  | { type: 'AdvanceRun'; now: string; canStart: boolean; missing: MissingAsset | null }
  | {
      type: 'CompleteStep';
      stepId: string;
      attempt?: number;
      status: 'succeeded' | 'failed';
      result?: unknown;
      error?: RunError;
      now: string;
    }
  | { type: 'TimeoutStep'; stepId: string; attempt: number; now: string }
  | { type: 'DispatchRetry'; stepId: string; attempt: number; now: string }
  | { type: 'CancelRun'; reason: string | null; now: string }
  | { type: 'ResumeRun'; stepId: string; assetId: string; now: string }
  | { type: 'FailWaitingRun'; stepId: string; assetId: string; since?: string; now: string };

/** The answer to a step completion; a repeated completion of the same attempt gets the original one. */
export interface CompletionAnswer {
  runId: string;
  stepId: string;
  attempt: number;
  status: 'succeeded' | 'failed';
  duplicate: boolean;
  seq: number | null;
}

export interface RunDecision {
  events: NewEvent[];
  answer?: CompletionAnswer;
}

type Ev<K extends RunEventType> = NewEvent<K, RunEventMap[K]>;

export function ev<K extends RunEventType>(
  runId: string,
  type: K,
  data: RunEventMap[K],
  ...idParts: Array<string | number>
): Ev<K> {
  return { id: derivedEventId(runId, type, ...idParts), type, data };
}

export const MAX_RETRY_DELAY_MS = 3_600_000;

export function runId(state: RunState): string {
  return state.request.runId;
}
