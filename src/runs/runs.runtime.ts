import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Subscription } from '@nats-io/transport-node';
import { AssetRelay } from '../assets/asset-relay.js';
import { JOB_HANDLERS, type JobHandlerRegistry } from '../jobs/job-handler.js';
import { JobWorker } from '../jobs/job-worker.js';
import { ServiceUrlPolicy } from '../jobs/service-url-policy.js';
import { ConsumerRegistry } from '../projector/consumer-registry.js';
import type { Platform } from '../runtime/platform.js';
import { PLATFORM } from '../runtime/tokens.js';
import { TIMERS } from '../timers/timers.provider.js';
import type { TimerService } from '../timers/timer-service.js';
import { WorkflowCommandService } from '../workflows/workflow-command.service.js';
import { listenForCompletions } from './completion-listener.js';
import { RunCommandService } from './run-command.service.js';
import { RunExecutor, type DependencyTimerPayload, type StepTimerPayload } from './run-executor.js';
import type { RunCommand } from './run.decider.js';

/**
 * Starts what runs need in this process, by role: the executor and the asset relay (`projector`), the built-in
 * job worker and the timer consumer (`worker`), the NATS completion endpoint (`api`, `worker`).
 */
@Injectable()
export class RunsRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  private worker: JobWorker | undefined;
  private completions: Subscription | undefined;
  private stopFollowing: (() => void) | undefined;

  constructor(
    @Inject(PLATFORM) private readonly platform: Platform,
    @Inject(ConsumerRegistry) private readonly consumers: ConsumerRegistry,
    @Inject(RunCommandService) private readonly commands: RunCommandService,
    @Inject(WorkflowCommandService) private readonly workflows: WorkflowCommandService,
    @Inject(TIMERS) private readonly timers: TimerService,
    @Inject(JOB_HANDLERS) private readonly handlers: JobHandlerRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { config, log, nats, store, db } = this.platform;
    this.registerTimerHandlers();
    if (config.roles.has('projector')) {
      this.consumers.start(
        new RunExecutor({
          commands: this.commands,
          workflows: this.workflows,
          db,
          timers: this.timers,
          nats,
          consumers: this.consumers,
          config,
          log: log.child({ component: 'run-executor' }),
        }),
        { batchSize: 200 },
      );
      this.consumers.start(new AssetRelay(store));
    }
    if (config.roles.has('worker') || config.roles.has('materializer')) await this.timers.start();
    if (config.roles.has('worker')) {
      this.worker = new JobWorker(nats, this.handlers, this.commands, log.child({ component: 'job-worker' }), {
        policy: new ServiceUrlPolicy(config.serviceUrlAllowlist),
        maxResponseBytes: config.maxBodyBytes,
      });
      await this.worker.start();
    }
    if (config.roles.has('api') || config.roles.has('worker')) {
      this.completions = listenForCompletions(nats, this.commands, log);
      // Without the executor in this process, follow run events so commands decide on fresh state instead of
      // re-reading a run's subject after every lost race.
      if (!config.roles.has('projector'))
        this.stopFollowing = await store.follow(`${nats.subjects.prefix}.run.>`, (event) =>
          this.commands.runs.observe(event),
        );
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopFollowing?.();
    this.completions?.unsubscribe();
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
      'dependency-wait': ({ stepId, assetId }: DependencyTimerPayload, now) => ({
        type: 'FailWaitingRun',
        stepId,
        assetId,
        now,
      }),
    };
    for (const [kind, build] of Object.entries(commandFor) as Array<
      [keyof typeof commandFor, (payload: never, now: string) => RunCommand]
    >) {
      this.timers.on(kind, async (timer) => {
        const { slug, runId } = timer.payload as { slug: string; runId: string };
        const now = new Date().toISOString();
        const metadata = { correlationId: runId, causationId: null, actor: 'system' };
        await this.commands.runs.execute(slug, runId, build(timer.payload as never, now), metadata, now);
      });
    }
  }
}
