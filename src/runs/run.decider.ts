import { DomainError } from '../domain/domain-error.js';
import { derivedEventId, type NewEvent } from '../events/envelope.js';
import { mergeLayers } from './deep-merge.js';
import { recordAssets } from './record-assets.js';
import { isTerminal, stepDefinition, type CompletionRecord, type RunState, type StepState } from './run-state.js';
import type { RunError, RunEventMap, RunEventType, RunRequested } from './run.events.js';

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

function ev<K extends RunEventType>(
  runId: string,
  type: K,
  data: RunEventMap[K],
  ...idParts: Array<string | number>
): Ev<K> {
  return { id: derivedEventId(runId, type, ...idParts), type, data };
}

const MAX_RETRY_DELAY_MS = 3_600_000;

/**
 * Every transition of a run. Pure: time comes in the command; every event id is derived from the run id and
 * the fact (step, attempt), so a command applied twice — by a redelivery or two racing writers — can only ever
 * append the same event once.
 */
export function decideRun(command: RunCommand, state: RunState | null): RunDecision {
  if (command.type === 'RequestRun') {
    if (state) return { events: [] };
    return { events: [ev(command.request.runId, 'workflow.run.requested', command.request)] };
  }
  if (!state) throw new DomainError('run_not_found', 'No such workflow run.');
  switch (command.type) {
    case 'AdvanceRun':
      return { events: advance(state, command) };
    case 'CompleteStep':
      return complete(state, command);
    case 'TimeoutStep':
      return { events: timeout(state, command) };
    case 'DispatchRetry': {
      const step = state.steps[command.stepId];
      if (isTerminal(state) || !step || step.retryAttempt !== command.attempt || state.cancelRequested)
        return { events: [] };
      return { events: [dispatch(state, command.stepId, command.attempt, command.now)] };
    }
    case 'CancelRun':
      if (isTerminal(state))
        throw new DomainError('run_not_active', `The run is already ${state.status}.`, { runStatus: state.status });
      return {
        events: [
          ev(runId(state), 'workflow.run.cancel-requested', { requestedAt: command.now, reason: command.reason }),
          ev(runId(state), 'workflow.run.canceled', { completedAt: command.now, reason: command.reason }),
        ],
      };
    case 'ResumeRun':
      if (
        state.status !== 'waiting' ||
        state.waiting?.stepId !== command.stepId ||
        state.waiting.assetId !== command.assetId
      )
        return { events: [] };
      return {
        events: [
          ev(
            runId(state),
            'workflow.run.resumed',
            { stepId: command.stepId, assetId: command.assetId, resumedAt: command.now },
            state.lastSeq,
          ),
        ],
      };
    case 'FailWaitingRun': {
      // `since` names the wait the timer bounds: a later wait of the same step has its own timer.
      if (
        state.status !== 'waiting' ||
        state.waiting?.stepId !== command.stepId ||
        state.waiting.assetId !== command.assetId ||
        (command.since !== undefined && state.waiting.since !== command.since)
      )
        return { events: [] };
      const error = {
        code: 'upstream_unavailable',
        message: `asset "${command.assetId}"${state.waiting.partitionKey ? ` (partition ${state.waiting.partitionKey})` : ''} was not produced before ${state.waiting.waitUntil}`,
      };
      return { events: [ev(runId(state), 'workflow.run.failed', { completedAt: command.now, error })] };
    }
  }
}

function runId(state: RunState): string {
  return state.request.runId;
}

/** What should happen next: start, finish, fail, wait for an asset, or dispatch the ready steps. */
function advance(state: RunState, command: Extract<RunCommand, { type: 'AdvanceRun' }>): NewEvent[] {
  if (isTerminal(state) || state.status === 'waiting') return [];
  const id = runId(state);
  const events: NewEvent[] = [];
  if (state.status === 'pending') {
    if (!command.canStart) return [];
    events.push(ev(id, 'workflow.run.started', { startedAt: command.now }));
  }
  const failed = Object.values(state.steps).find((step) => step.status === 'failed' && step.retryAttempt === null);
  if (failed) {
    // The step id is part of each skip's id: one failure can skip several steps, each its own fact.
    for (const step of pendingSteps(state))
      events.push(
        ev(id, 'workflow.step.skipped', { stepId: step.stepId, reason: `step "${failed.stepId}" failed` }, step.stepId),
      );
    events.push(
      ev(id, 'workflow.run.failed', {
        completedAt: command.now,
        error: failed.error ?? { code: 'step_failed', message: `step "${failed.stepId}" failed` },
      }),
    );
    return events;
  }
  if (Object.values(state.steps).every((step) => step.status === 'succeeded' || step.status === 'skipped')) {
    events.push(ev(id, 'workflow.run.succeeded', { completedAt: command.now }));
    return events;
  }
  const ready = readySteps(state);
  if (ready.length === 0) return events;
  const missing =
    command.missing && ready.some((step) => step.stepId === command.missing!.stepId) ? command.missing : null;
  if (missing) {
    const { stepId, assetId, partitionKey, producerWorkflowSlug, producerRunId, waitUntil } = missing;
    events.push(
      ev(
        id,
        'workflow.run.waiting',
        { stepId, assetId, partitionKey, producerWorkflowSlug, producerRunId, since: command.now, waitUntil },
        state.lastSeq,
      ),
    );
    return events;
  }
  for (const step of ready) events.push(dispatch(state, step.stepId, step.attempt + 1, command.now));
  return events;
}

function pendingSteps(state: RunState): StepState[] {
  return state.request.steps.map((step) => state.steps[step.id]!).filter((step) => step.status === 'pending');
}

/** Steps whose dependencies all succeeded and that wait for their first dispatch. */
export function readySteps(state: RunState): StepState[] {
  return state.request.steps
    .filter((definition) => {
      const step = state.steps[definition.id]!;
      return (
        step.status === 'pending' &&
        step.retryAttempt === null &&
        definition.dependsOn.every((dep) => state.steps[dep]?.status === 'succeeded')
      );
    })
    .map((definition) => state.steps[definition.id]!);
}

function dispatch(state: RunState, stepId: string, attempt: number, now: string): NewEvent {
  const step = stepDefinition(state, stepId)!;
  return ev(
    runId(state),
    'workflow.step.dispatched',
    {
      stepId,
      attempt,
      stepType: step.type,
      jobSlug: step.jobSlug ?? null,
      serviceUrl: step.serviceUrl ?? null,
      parameters: mergeLayers(state.request.parameters, step.parameters),
      partitionKey: state.request.partitionKey,
      timeoutMs: step.timeoutMs ?? null,
      dispatchedAt: now,
    },
    stepId,
    attempt,
  );
}

function complete(state: RunState, command: Extract<RunCommand, { type: 'CompleteStep' }>): RunDecision {
  const definition = stepDefinition(state, command.stepId);
  const step = state.steps[command.stepId];
  if (!definition || !step)
    throw new DomainError('step_not_found', `The run has no step "${command.stepId}".`, { stepId: command.stepId });
  const attempt = command.attempt ?? step.attempt;
  const previous = step.completions.find((completion) => completion.attempt === attempt);
  if (previous) return { events: [], answer: answerOf(state, command.stepId, previous, true) };
  if (isTerminal(state))
    throw new DomainError('run_not_active', `The run is already ${state.status}; the completion was not recorded.`, {
      runStatus: state.status,
    });
  if (step.status !== 'running' || attempt === 0) {
    throw new DomainError(
      'step_not_dispatched',
      `Step "${command.stepId}" is ${step.status}, not dispatched; nothing to complete.`,
      { stepStatus: step.status },
    );
  }
  if (attempt !== step.attempt) {
    throw new DomainError(
      'stale_attempt',
      `Attempt ${attempt} of step "${command.stepId}" is not the current one (${step.attempt}).`,
      { currentAttempt: step.attempt },
    );
  }
  const id = runId(state);
  if (command.status === 'succeeded') {
    const recording = recordAssets(definition, state.request.partitionKey, command.result, command.now);
    if (recording.ok) {
      const event = ev(
        id,
        'workflow.step.succeeded',
        {
          stepId: command.stepId,
          attempt,
          completedAt: command.now,
          assets: recording.assets,
          warnings: recording.warnings,
        },
        command.stepId,
        attempt,
      );
      return {
        events: [event],
        answer: { runId: id, stepId: command.stepId, attempt, status: 'succeeded', duplicate: false, seq: null },
      };
    }
    return failure(
      state,
      definition.retries,
      definition.retryBackoffMs,
      command.stepId,
      attempt,
      recording.error,
      recording.warnings,
      command.now,
    );
  }
  const error = command.error ?? {
    code: 'step_failed',
    message: 'the worker reported a failure without an error message',
  };
  return failure(state, definition.retries, definition.retryBackoffMs, command.stepId, attempt, error, [], command.now);
}

function failure(
  state: RunState,
  retries: number,
  backoffMs: number | undefined,
  stepId: string,
  attempt: number,
  error: RunError,
  warnings: RunDecision['events'] extends never
    ? never
    : Array<{ code: string; assetId: string | null; message: string }>,
  now: string,
): RunDecision {
  const id = runId(state);
  const events: NewEvent[] = [
    ev(id, 'workflow.step.failed', { stepId, attempt, completedAt: now, error, warnings }, stepId, attempt),
  ];
  if (attempt <= retries && !state.cancelRequested) {
    const delay = Math.min(MAX_RETRY_DELAY_MS, (backoffMs ?? 1000) * 2 ** (attempt - 1));
    events.push(
      ev(
        id,
        'workflow.step.retry-scheduled',
        { stepId, attempt: attempt + 1, retryAt: new Date(Date.parse(now) + delay).toISOString() },
        stepId,
        attempt + 1,
      ),
    );
  }
  return { events, answer: { runId: id, stepId, attempt, status: 'failed', duplicate: false, seq: null } };
}

function timeout(state: RunState, command: Extract<RunCommand, { type: 'TimeoutStep' }>): NewEvent[] {
  const step = state.steps[command.stepId];
  const definition = stepDefinition(state, command.stepId);
  if (isTerminal(state) || !step || !definition || step.status !== 'running' || step.attempt !== command.attempt)
    return [];
  const error = {
    code: 'step_timeout',
    message: `attempt ${command.attempt} of step "${command.stepId}" did not complete within ${definition.timeoutMs} ms`,
  };
  return failure(
    state,
    definition.retries,
    definition.retryBackoffMs,
    command.stepId,
    command.attempt,
    error,
    [],
    command.now,
  ).events;
}

function answerOf(state: RunState, stepId: string, completion: CompletionRecord, duplicate: boolean): CompletionAnswer {
  return {
    runId: runId(state),
    stepId,
    attempt: completion.attempt,
    status: completion.status,
    duplicate,
    seq: completion.seq,
  };
}
