import { DomainError } from '../domain/domain-error.js';
import type { NewEvent } from '../events/envelope.js';
import { mergeLayers } from './deep-merge.js';
import { isTerminal, stepDefinition, type RunState, type StepState } from './run-state.js';
import { ev, runId, type RunCommand, type RunDecision } from './run-decision.js';
import { complete, timeout } from './run-step-outcomes.js';

export type { CompletionAnswer, MissingAsset, RunCommand, RunDecision } from './run-decision.js';

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
