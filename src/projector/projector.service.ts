import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { checkpointPositions, lowerCheckpoint } from '../events/consumer-store/index.js';
import { allProjections } from '../../projections/index.js';
import { projectionGroup } from './projection-group.js';
import { PLATFORM } from '../runtime/tokens.js';
import type { Platform } from '../runtime/platform.js';
import { ConsumerRegistry } from './consumer-registry.js';
import { ReadModelStatistics } from './read-model-statistics.js';

/** The consumer name of the read-model group. */
export const READ_MODELS = 'read_models';

/** Events per transaction while the read models are far behind (catch-up after downtime, a new deployment). */
export const READ_MODELS_CATCH_UP_BATCH = 5000;

/** Runs every read-model projection when this process has the `projector` role. */
@Injectable()
export class ProjectorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private statistics: ReadModelStatistics | null = null;

  constructor(
    @Inject(PLATFORM) private readonly platform: Platform,
    @Inject(ConsumerRegistry) private readonly consumers: ConsumerRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.platform.config.roles.has('projector')) return;
    await this.resumeFromSlowestMember();
    const statistics = new ReadModelStatistics(
      this.platform.db,
      allProjections,
      this.platform.log.child({ component: 'read-model-statistics' }),
    );
    await statistics.load();
    this.statistics = statistics;
    // One consumer for all read models: each event is read and decoded once, not once per projection.
    const metrics = this.platform.metrics;
    const group = projectionGroup(READ_MODELS, allProjections, (projection, _events, ms) =>
      metrics.batchSeconds.observe({ consumer: projection, phase: 'project' }, ms / 1000),
    );
    this.consumers.start(
      { ...group, afterCommit: (events) => statistics.record(events) },
      {
        aliases: allProjections.map((projection) => projection.name),
        catchUpBatchSize: READ_MODELS_CATCH_UP_BATCH,
        traceReadPath: true,
      },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.statistics?.idle();
  }

  /**
   * The group resumes where its slowest member is (a projection added since, without a checkpoint, starts from
   * the beginning of the stream); members skip what they already applied.
   */
  private async resumeFromSlowestMember(): Promise<void> {
    const names = allProjections.map((projection) => projection.name);
    const positions = await checkpointPositions(this.platform.db, names);
    const slowest = Math.min(...names.map((name) => positions.get(name) ?? 0));
    await lowerCheckpoint(this.platform.db, READ_MODELS, slowest);
  }
}
