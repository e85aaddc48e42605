import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { TimerQueue } from '../events/timer-queue.js';
import { ConsumerRegistry } from '../projector/consumer-registry.js';
import type { RunRequester } from '../runs/run-requester.js';
import { RUN_REQUESTER } from '../runs/runs.module.js';
import type { Platform } from '../runtime/platform.js';
import { PLATFORM } from '../runtime/tokens.js';
import { TIMERS } from '../timers/timers.provider.js';
import { registerMaterializerTimers } from './materializer-timers.js';
import { createMaterializer } from './materializer.consumer.js';
import { ReconciliationSweep } from './reconciliation-sweep.js';

const BATCH_SIZE = 500;

/**
 * Starts the materializer in this process: its timer handlers wherever timers are consumed (registered before the
 * timer consumer starts), and — with the `materializer` role — the saga consumer (single-active through its lease)
 * and the reconciliation sweep.
 */
@Injectable()
export class MaterializerRuntime implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private sweep: ReconciliationSweep | undefined;

  constructor(
    @Inject(PLATFORM) private readonly platform: Platform,
    @Inject(ConsumerRegistry) private readonly consumers: ConsumerRegistry,
    @Inject(RUN_REQUESTER) private readonly requester: RunRequester,
    @Inject(TIMERS) private readonly timers: TimerQueue,
  ) {}

  onModuleInit(): void {
    const { store, db } = this.platform;
    registerMaterializerTimers({ store, db, timers: this.timers });
  }

  onApplicationBootstrap(): void {
    const { config, store, db, events, log, metrics, instanceId } = this.platform;
    if (!config.roles.has('materializer')) return;
    const child = log.child({ component: 'materializer' });
    const context = {
      baseBackoffMs: config.materializer.baseBackoffMs,
      maxBackoffMs: config.materializer.maxBackoffMs,
      maxEventBytes: store.maxEventBytes,
    };
    // Triggers are latency-sensitive: a batch closes as soon as nothing more is delivered (no idle linger).
    const materializer = createMaterializer({
      store,
      requester: this.requester,
      timers: this.timers,
      context,
      metrics,
      log: child,
    });
    this.consumers.start(materializer, {
      batchSize: BATCH_SIZE,
      catchUpBatchSize: 5000,
      closeWhenIdle: true,
    });
    this.sweep = new ReconciliationSweep({
      db,
      store,
      leases: events.leases,
      instanceId,
      intervalMs: config.materializer.refreshIntervalMs,
      maxClaimAgeMs: config.materializer.maxClaimAgeMs,
      log: child,
    });
    this.sweep.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sweep?.stop();
  }
}
