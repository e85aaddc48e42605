import type { StoredEvent } from '../../events/envelope.js';
import type { TimerKind } from '../../events/subjects.js';
import { TimerQueue } from '../../events/timer-queue.js';
import type { JobDispatch } from '../job-dispatch.js';
import type { RunState } from '../run-state.js';
import type { RunWaiting, StepDispatched, StepRetryScheduled } from '../run.events.js';
import { TERMINAL_RUN_EVENTS, type RunEventType } from '../run.events.js';

/** Payload of the `step-timeout` and `step-retry` timers. */
export interface StepTimerPayload {
  slug: string;
  runId: string;
  stepId: string;
  attempt: number;
}

/** Payload of the `dependency-wait` timer: the wait it bounds (a later wait of the same step is another timer). */
export interface DependencyTimerPayload {
  slug: string;
  runId: string;
  stepId: string;
  assetId: string;
  since: string;
}

/** What an event in the stream asks of the outside world once it is there (never before it is stored). */
export type FollowUp =
  | { type: 'DispatchJob'; eventId: string; job: JobDispatch }
  | { type: 'ArmTimer'; eventId: string; kind: TimerKind; key: string; dueAt: string; payload: unknown }
  | { type: 'ReleaseRunKey'; eventId: string; slug: string; runKey: string; runId: string };

/**
 * The follow-ups of one run event, judged against the run as it is now (`run`: its current state, terminal or
 * active): a dispatch only while that attempt is still running, a retry timer only while that retry is pending, a
 * wait timer only for the current wait. So a replay after a crash re-dispatches nothing that has moved on, and an
 * old timer never replaces a newer one. Pure.
 */
export function followUpsOf(event: StoredEvent, run: RunState | null): FollowUp[] {
  if (!run) return [];
  const slug = run.request.workflowSlug;
  const runId = run.request.runId;
  const type = event.type as RunEventType;
  if (TERMINAL_RUN_EVENTS.includes(type)) {
    return run.request.runKey
      ? [{ type: 'ReleaseRunKey', eventId: event.id, slug, runKey: run.request.runKey, runId }]
      : [];
  }
  if (run.status === 'succeeded' || run.status === 'failed' || run.status === 'canceled') return [];
  if (type === 'workflow.step.dispatched') {
    const data = event.data as StepDispatched;
    const step = run.steps[data.stepId];
    if (step?.status !== 'running' || step.attempt !== data.attempt) return [];
    const job: JobDispatch = {
      runId,
      workflowSlug: slug,
      stepId: data.stepId,
      attempt: data.attempt,
      jobSlug: data.jobSlug,
      serviceUrl: data.serviceUrl,
      parameters: data.parameters,
      partitionKey: data.partitionKey,
      timeoutMs: data.timeoutMs,
    };
    const followUps: FollowUp[] = [{ type: 'DispatchJob', eventId: event.id, job }];
    if (data.timeoutMs !== null) {
      const payload: StepTimerPayload = { slug, runId, stepId: data.stepId, attempt: data.attempt };
      followUps.push({
        type: 'ArmTimer',
        eventId: event.id,
        kind: 'step-timeout',
        key: TimerQueue.key(runId, data.stepId, data.attempt),
        dueAt: new Date(Date.parse(data.dispatchedAt) + data.timeoutMs).toISOString(),
        payload,
      });
    }
    return followUps;
  }
  if (type === 'workflow.step.retry-scheduled') {
    const data = event.data as StepRetryScheduled;
    if (run.steps[data.stepId]?.retryAttempt !== data.attempt) return [];
    const payload: StepTimerPayload = { slug, runId, stepId: data.stepId, attempt: data.attempt };
    return [
      {
        type: 'ArmTimer',
        eventId: event.id,
        kind: 'step-retry',
        key: TimerQueue.key(runId, data.stepId, data.attempt),
        dueAt: data.retryAt,
        payload,
      },
    ];
  }
  if (type === 'workflow.run.waiting') {
    const data = event.data as RunWaiting;
    if (run.status !== 'waiting' || run.waiting?.since !== data.since || run.waiting.stepId !== data.stepId) return [];
    const payload: DependencyTimerPayload = {
      slug,
      runId,
      stepId: data.stepId,
      assetId: data.assetId,
      since: data.since,
    };
    return [
      {
        type: 'ArmTimer',
        eventId: event.id,
        kind: 'dependency-wait',
        key: TimerQueue.key(runId, data.stepId, data.assetId, data.since),
        dueAt: data.waitUntil,
        payload,
      },
    ];
  }
  return [];
}
