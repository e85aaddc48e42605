import type { WorkflowStep } from '../workflows/workflow-definition.js';
import { decideRun, type RunCommand, type RunDecision } from './run.decider.js';
import { evolveRun, type RunState } from './run-state.js';
import type { RunEvent, RunRequested } from './run.events.js';
import { deciderSpec } from '../../test/support/decider-spec.js';

const NOW = '2026-01-01T00:00:00.000Z';
const step = (id: string, extra: Partial<WorkflowStep> = {}): WorkflowStep => ({
  id,
  type: 'job',
  jobSlug: 'j',
  dependsOn: [],
  retries: 0,
  produces: [],
  consumes: [],
  ...extra,
});
const request = (steps: WorkflowStep[]): RunRequested => ({
  runId: 'run-1',
  workflowSlug: 'wf',
  workflowDefinitionId: 'def',
  workflowVersion: 1,
  steps,
  partitionKey: null,
  runKey: null,
  parameters: { p: 1 },
  triggeredBy: null,
  trigger: { type: 'manual' },
  priority: null,
  requestedAt: NOW,
});

let seq = 0;
const at = <E extends RunEvent>(event: E) => ({ ...event, seq: ++seq });
const runSpec = deciderSpec<RunState | null, RunEvent & { seq: number }, RunCommand, RunDecision>({
  evolve: evolveRun,
  initial: null,
  decide: decideRun,
});
/** Events are numbered in the order given, like their stream sequences. */
const spec = {
  given: (events: Array<RunEvent & { seq: number }>) =>
    runSpec.given(events.map((event, index) => ({ ...event, seq: index + 1 }))),
};
const types = (decision: RunDecision) => decision.events.map((event) => event.type);
const advance: RunCommand = { type: 'AdvanceRun', now: NOW, canStart: true, missing: null };

const requested = (steps: WorkflowStep[]) => at({ type: 'workflow.run.requested', data: request(steps) });
const started = () => at({ type: 'workflow.run.started', data: { startedAt: NOW } });
const dispatched = (stepId: string, attempt = 1) =>
  at({
    type: 'workflow.step.dispatched',
    data: {
      stepId,
      attempt,
      stepType: 'job',
      jobSlug: 'j',
      serviceUrl: null,
      parameters: {},
      partitionKey: null,
      timeoutMs: null,
      dispatchedAt: NOW,
    },
  });
const succeeded = (stepId: string, attempt = 1) =>
  at({ type: 'workflow.step.succeeded', data: { stepId, attempt, completedAt: NOW, assets: [], warnings: [] } });
const failed = (stepId: string, attempt = 1) =>
  at({
    type: 'workflow.step.failed',
    data: { stepId, attempt, completedAt: NOW, error: { code: 'boom', message: 'boom' }, warnings: [] },
  });

describe('run decider', () => {
  describe('when a run is requested', () => {
    it('starts and dispatches the steps without dependencies, in parallel', () => {
      spec
        .given([requested([step('a'), step('b'), step('c', { dependsOn: ['a', 'b'] })])])
        .when(advance)
        .then((decision) => {
          expect(types(decision)).toEqual([
            'workflow.run.started',
            'workflow.step.dispatched',
            'workflow.step.dispatched',
          ]);
          expect(decision.events[1]!.data).toMatchObject({ stepId: 'a', attempt: 1, parameters: { p: 1 } });
        });
    });

    it('does not start a gated run that was not admitted', () => {
      spec
        .given([requested([step('a')])])
        .when({ ...advance, canStart: false })
        .then((decision) => expect(decision.events).toEqual([]));
    });

    it('is requested only once', () => {
      spec
        .given([requested([step('a')])])
        .when({ type: 'RequestRun', request: request([step('a')]) })
        .then((decision) => expect(decision.events).toEqual([]));
    });
  });

  describe('when steps complete', () => {
    it('dispatches a step once all its dependencies succeeded, then succeeds the run', () => {
      const steps = [step('a'), step('b', { dependsOn: ['a'] })];
      spec
        .given([requested(steps), started(), dispatched('a'), succeeded('a')])
        .when(advance)
        .then((d) => expect(d.events.map((e) => (e.data as { stepId?: string }).stepId)).toEqual(['b']));
      spec
        .given([requested(steps), started(), dispatched('a'), succeeded('a'), dispatched('b'), succeeded('b')])
        .when(advance)
        .then((d) => expect(types(d)).toEqual(['workflow.run.succeeded']));
    });

    it('fails the run and skips pending steps after a terminal step failure', () => {
      const steps = [step('a'), step('b', { dependsOn: ['a'] })];
      spec
        .given([requested(steps), started(), dispatched('a'), failed('a')])
        .when(advance)
        .then((d) => expect(types(d)).toEqual(['workflow.step.skipped', 'workflow.run.failed']));
    });

    it('schedules a retry with exponential backoff while retries remain', () => {
      spec
        .given([requested([step('a', { retries: 2, retryBackoffMs: 100 })]), started(), dispatched('a', 2)])
        .when({ type: 'CompleteStep', stepId: 'a', status: 'failed', now: NOW })
        .then((d) => {
          expect(types(d)).toEqual(['workflow.step.failed', 'workflow.step.retry-scheduled']);
          expect(d.events[1]!.data).toEqual({ stepId: 'a', attempt: 3, retryAt: '2026-01-01T00:00:00.200Z' });
        });
    });

    it('answers a repeated completion of an attempt with the original answer', () => {
      spec
        .given([requested([step('a')]), started(), dispatched('a'), succeeded('a')])
        .when({ type: 'CompleteStep', stepId: 'a', attempt: 1, status: 'failed', now: NOW })
        .then((d) =>
          expect(d).toEqual({
            events: [],
            answer: expect.objectContaining({ status: 'succeeded', duplicate: true, attempt: 1 }),
          }),
        );
    });

    it('refuses a step that was not dispatched and an attempt that is not current', () => {
      const steps = [step('a'), step('b', { dependsOn: ['a'] })];
      spec
        .given([requested(steps), started(), dispatched('a')])
        .when({ type: 'CompleteStep', stepId: 'b', status: 'succeeded', now: NOW })
        .thenThrows('step_not_dispatched');
      spec
        .given([requested(steps), started(), dispatched('a')])
        .when({ type: 'CompleteStep', stepId: 'a', attempt: 2, status: 'succeeded', now: NOW })
        .thenThrows('stale_attempt');
      spec
        .given([requested(steps), started(), dispatched('a')])
        .when({ type: 'CompleteStep', stepId: 'zz', status: 'succeeded', now: NOW })
        .thenThrows('step_not_found');
    });

    it('times out only the attempt that is still running', () => {
      const given = [requested([step('a', { timeoutMs: 10 })]), started(), dispatched('a')];
      spec
        .given(given)
        .when({ type: 'TimeoutStep', stepId: 'a', attempt: 1, now: NOW })
        .then((d) => expect(d.events[0]!.data).toMatchObject({ error: { code: 'step_timeout' } }));
      spec
        .given([...given, succeeded('a')])
        .when({ type: 'TimeoutStep', stepId: 'a', attempt: 1, now: NOW })
        .then((d) => expect(d.events).toEqual([]));
    });
  });

  describe('when a consumed asset is missing', () => {
    const missing = {
      stepId: 'a',
      assetId: 'up.asset',
      partitionKey: null,
      producerWorkflowSlug: 'producer',
      producerRunId: 'dep-run',
      waitUntil: '2026-01-01T00:10:00.000Z',
    };
    it('waits instead of dispatching, and resumes once', () => {
      const steps = [step('a', { consumes: [{ assetId: 'up.asset' }] })];
      spec
        .given([requested(steps), started()])
        .when({ ...advance, missing })
        .then((d) => expect(types(d)).toEqual(['workflow.run.waiting']));
      const waiting = at({ type: 'workflow.run.waiting', data: { ...missing, since: NOW } });
      spec
        .given([requested(steps), started(), waiting])
        .when(advance)
        .then((d) => expect(d.events).toEqual([]));
      spec
        .given([requested(steps), started(), waiting])
        .when({ type: 'ResumeRun', stepId: 'a', assetId: 'up.asset', now: NOW })
        .then((d) => expect(types(d)).toEqual(['workflow.run.resumed']));
      spec
        .given([requested(steps), started(), waiting])
        .when({ type: 'FailWaitingRun', stepId: 'a', assetId: 'up.asset', now: NOW })
        .then((d) => expect(d.events[0]!.data).toMatchObject({ error: { code: 'upstream_unavailable' } }));
    });
  });

  describe('when canceled', () => {
    it('cancels an active run and refuses a finished one', () => {
      spec
        .given([requested([step('a')]), started()])
        .when({ type: 'CancelRun', reason: null, now: NOW })
        .then((d) => expect(types(d)).toEqual(['workflow.run.cancel-requested', 'workflow.run.canceled']));
      const done = at({ type: 'workflow.run.succeeded', data: { completedAt: NOW } });
      spec
        .given([requested([step('a')]), started(), dispatched('a'), succeeded('a'), done])
        .when({ type: 'CancelRun', reason: null, now: NOW })
        .thenThrows('run_not_active');
    });
  });

  it('derives every event id from the run and the fact, so deciding twice yields the same ids', () => {
    const given = [requested([step('a')])];
    const ids = () => {
      let ids: string[] = [];
      spec
        .given(given)
        .when(advance)
        .then((d) => (ids = d.events.map((e) => e.id!)));
      return ids;
    };
    expect(ids()).toEqual(ids());
    expect(new Set(ids()).size).toBe(2);
  });
});
