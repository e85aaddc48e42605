import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DomainError } from '../domain/domain-error.js';
import type { TimerQueue } from '../events/timer-queue.js';
import { JOB_HANDLERS, type JobHandlerRegistry } from '../jobs/job-handler.js';
import { JobWorker } from '../jobs/job-worker.js';
import { ServiceUrlPolicy } from '../jobs/service-url-policy.js';
import { ConsumerRegistry } from '../projector/consumer-registry.js';
import type { Platform } from '../runtime/platform.js';
import { PLATFORM } from '../runtime/tokens.js';
import { TIMERS } from '../timers/timers.provider.js';
import { serveCompletionsOverNats } from './completion-endpoint.js';
import { createRunExecutor } from './executor/run-executor.consumer.js';
import type { DependencyTimerPayload, StepTimerPayload } from './executor/run-follow-ups.js';
import { RunCommandService } from './run-command.service.js';
import type { RunCommand } from './run.decider.js';

/**
 * Starts what runs need in this process, by role: the run executor (with the asset relay) (`projector`), the
 * built-in job worker and the timer consumer (`worker`), the NATS completion endpoint (`api`, `worker`), and a
 * follower of run events that keeps the command side's run cache fresh (`api`, `worker`).
 */
@Injectable()
export class RunsRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  private worker: JobWorker | undefined;
  private completions: { stop(): void } | undefined;
  private stopFollowing: (() => void) | undefined;

  constructor(
    @Inject(PLATFORM) private readonly platform: Platform,
    @Inject(ConsumerRegistry) private readonly consumers: ConsumerRegistry,
    @Inject(RunCommandService) private readonly commands: RunCommandService,
    @Inject(TIMERS) private readonly timers: TimerQueue,
    @Inject(JOB_HANDLERS) private readonly handlers: JobHandlerRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { config, log, events, store, metrics } = this.platform;
    this.registerTimerHandlers();
    const jobs = events.jobs(log.child({ component: 'jobs' }));
    if (config.roles.has('api') || config.roles.has('worker')) {
      // Commands decide on fresh runs instead of re-reading a run's subject after every lost race.
      this.stopFollowing = await store.follow(`${store.subjects.prefix}.run.>`, (event) =>
        this.commands.runs.observe(event),
      );
      this.completions = serveCompletionsOverNats(
        events.completions,
        this.commands,
        log,
        config.maxConcurrentNatsCompletions,
      );
    }
    if (config.roles.has('projector')) {
      this.consumers.start(
        createRunExecutor({
          store,
          jobs,
          timers: this.timers,
          runIndex: this.commands.index,
          context: {
            dependencyWaitMs: config.dependencyWaitMs,
            maxConcurrentAutoRuns: config.materializer.maxConcurrentRunsPerWorkflow,
          },
          metrics,
        }),
        { batchSize: 500, catchUpBatchSize: 5000 },
      );
    }
    if (config.roles.has('worker') || config.roles.has('materializer')) await this.timers.start();
    if (config.roles.has('worker')) {
      this.worker = new JobWorker(jobs, this.handlers, this.commands, log.child({ component: 'job-worker' }), {
        policy: new ServiceUrlPolicy(config.serviceUrlAllowlist),
        maxResponseBytes: config.maxBodyBytes,
      });
      await this.worker.start();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopFollowing?.();
    this.completions?.stop();
    await this.worker?.stop();
    await this.timers.stop();
  }

  /** Each run timer becomes one run command, decided on the run's current state (a stale timer is a no-op). */
  private registerTimerHandlers(): void {
    const commandFor: Record<
      'step-timeout' | 'step-retry' | 'dependency-wait',
      (payload: never, now: string) => RunCommand
    > = {
      'step-timeout': ({ stepId, attempt }: StepTimerPayload, now) => ({ type: 'TimeoutStep', stepId, attempt, now }),
      'step-retry': ({ stepId, attempt }: StepTimerPayload, now) => ({ type: 'DispatchRetry', stepId, attempt, now }),
      'dependency-wait': ({ stepId, assetId, since }: DependencyTimerPayload, now) => ({
        type: 'FailWaitingRun',
        stepId,
        assetId,
        ...(since ? { since } : {}),
        now,
      }),
    };
    for (const [kind, build] of Object.entries(commandFor) as Array<
      [keyof typeof commandFor, (payload: never, now: string) => RunCommand]
    >) {
      this.timers.on(kind, async (timer, firing) => {
        const { slug, runId } = timer.payload as { slug: string; runId: string };
        const now = firing.now.toISOString();
        const metadata = { correlationId: runId, causationId: null, actor: 'system' };
        try {
          await this.commands.runs.execute(slug, runId, build(timer.payload as never, now), metadata, now);
        } catch (error) {
          // A timer for a run that cannot take the command (gone, already over) is moot; anything else retries.
          if (!(error instanceof DomainError)) throw error;
        }
      });
    }
  }
}
