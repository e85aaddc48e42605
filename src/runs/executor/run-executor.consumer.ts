import type { EventStore } from '../../events/event-store.js';
import type { JobQueue } from '../../events/job-queue.js';
import type { RunIndex } from '../../events/run-index.js';
import type { TimerQueue } from '../../events/timer-queue.js';
import type { Metrics } from '../../observability/metrics.js';
import { ManagerKernel } from '../../process-manager/manager-kernel.js';
import { SERVICE_JOB_SLUG } from '../job-dispatch.js';
import type { FollowUp } from './run-follow-ups.js';
import { runExecutorDefinition } from './run-executor.definition.js';
import type { ExecutorContext } from './run-executor.saga.js';
import { RunExecutorStore } from './run-executor.store.js';

export { RUN_EXECUTOR } from './run-executor.definition.js';

export interface RunExecutorDeps {
  store: EventStore;
  jobs: JobQueue;
  timers: TimerQueue;
  runIndex: RunIndex;
  context: ExecutorContext;
  metrics: Metrics;
}

/** Where the run executor's follow-ups go: the job queue, the timer queue and the run-key index. */
export interface FollowUpPorts {
  jobs: Pick<JobQueue, 'dispatch'>;
  timers: Pick<TimerQueue, 'arm'>;
  runIndex: Pick<RunIndex, 'releaseRunKey'>;
}

/**
 * The run process manager (STYLE §6): its definition run by the kernel, with its tables, the event store, and the
 * job queue, timers and run-key index for the follow-ups of its events.
 */
export function createRunExecutor(deps: RunExecutorDeps) {
  return new ManagerKernel(runExecutorDefinition(deps.store.subjects, deps.context), new RunExecutorStore(deps.store), {
    log: deps.store,
    execute: (followUp: FollowUp) => carryOutFollowUp(deps, followUp),
    onConflict: () => deps.metrics.runConflicts.inc(),
    stages: deps.metrics.managerStageSeconds,
  });
}

export type RunExecutor = ReturnType<typeof createRunExecutor>;

/** Carries out one follow-up of a stored run event. */
export async function carryOutFollowUp(ports: FollowUpPorts, followUp: FollowUp): Promise<void> {
  switch (followUp.type) {
    case 'DispatchJob': {
      const { job } = followUp;
      await ports.jobs.dispatch(job.jobSlug ?? SERVICE_JOB_SLUG, `${job.runId}:${job.stepId}:${job.attempt}`, job);
      return;
    }
    case 'ArmTimer':
      await ports.timers.arm(followUp.kind, followUp.key, followUp.dueAt, followUp.payload);
      return;
    case 'ReleaseRunKey':
      await ports.runIndex.releaseRunKey(followUp.slug, followUp.runKey, followUp.runId);
      return;
  }
}
