import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { allProjections } from '../../projections/index.js';
import { projectionHandler } from '../../projections/projection-handler.js';
import { PLATFORM } from '../runtime/tokens.js';
import type { Platform } from '../runtime/platform.js';
import { ConsumerRegistry } from './consumer-registry.js';

/** Runs every read-model projection when this process has the `projector` role. */
@Injectable()
export class ProjectorService implements OnApplicationBootstrap {
  constructor(
    @Inject(PLATFORM) private readonly platform: Platform,
    @Inject(ConsumerRegistry) private readonly consumers: ConsumerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.platform.config.roles.has('projector')) return;
    for (const projection of allProjections) this.consumers.start(projectionHandler(projection));
  }
}
