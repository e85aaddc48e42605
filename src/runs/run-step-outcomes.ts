import { DomainError } from '../domain/domain-error.js';
import type { NewEvent } from '../events/envelope.js';
import { recordAssets } from './record-assets.js';
import { isTerminal, stepDefinition, type CompletionRecord, type RunState } from './run-state.js';
import type { RunError } from './run.events.js';
import {
  ev,
  MAX_RETRY_DELAY_MS,
  runId,
  type CompletionAnswer,
  type RunCommand,
  type RunDecision,
} from './run-decision.js';

/* How a step's completion or time-out moves a run: success, failure with retries, and the completion's answer. */

export function complete(state: RunState, command: Extract<RunCommand, { type: 'CompleteStep' }>): RunDecision {
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

export function timeout(state: RunState, command: Extract<RunCommand, { type: 'TimeoutStep' }>): NewEvent[] {
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
