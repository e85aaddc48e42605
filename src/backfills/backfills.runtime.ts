import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { ConsumerRegistry } from '../projector/consumer-registry.js';
import type { Platform } from '../runtime/platform.js';
import { PLATFORM } from '../runtime/tokens.js';
import { createBackfillManager } from './backfill-manager.consumer.js';

const BATCH_SIZE = 500;

/**
 * Starts the backfill manager with the `materializer` role (single-active through its lease, like the
 * materializer whose decisions it follows).
 */
@Injectable()
export class BackfillsRuntime implements OnApplicationBootstrap {
  constructor(
    @Inject(PLATFORM) private readonly platform: Platform,
    @Inject(ConsumerRegistry) private readonly consumers: ConsumerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    const { config, store } = this.platform;
    if (!config.roles.has('materializer')) return;
    // Releases are latency-sensitive: a batch closes as soon as nothing more is delivered.
    this.consumers.start(createBackfillManager({ store }), {
      batchSize: BATCH_SIZE,
      catchUpBatchSize: 5000,
      closeWhenIdle: true,
    });
  }
}
