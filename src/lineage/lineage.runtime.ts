import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { ConsumerRegistry } from '../projector/consumer-registry.js';
import type { Platform } from '../runtime/platform.js';
import { PLATFORM } from '../runtime/tokens.js';
import { LineageProjection } from './lineage.consumer.js';
import { lineageTransports } from './lineage-transports.js';

/**
 * Starts the OpenLineage emitter in a process with the `lineage` role: one consumer of `<PREFIX>_EVENTS`, single
 * active through its lease, like the other stream consumers (its lag and lease count for readiness).
 */
@Injectable()
export class LineageRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: LineageProjection | undefined;

  constructor(
    @Inject(PLATFORM) private readonly platform: Platform,
    @Inject(ConsumerRegistry) private readonly consumers: ConsumerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    const { config, events, log, metrics } = this.platform;
    if (!config.roles.has('lineage')) return;
    const child = log.child({ component: 'lineage' });
    this.consumer = new LineageProjection({
      transports: lineageTransports(config.lineage, events.lineagePublisher),
      context: { jobNamespace: config.lineage.jobNamespace, datasetNamespace: config.lineage.datasetNamespace },
      log: child,
      metrics,
    });
    this.consumers.start(this.consumer, { batchSize: 500 });
    child.info(
      { transports: [...config.lineage.transports], namespace: config.lineage.jobNamespace },
      'OpenLineage emitter started',
    );
  }

  /** Stop waiting for an unavailable receiver before the runners are stopped (they wait for the batch in flight). */
  beforeApplicationShutdown(): void {
    this.consumer?.stop();
  }
}
