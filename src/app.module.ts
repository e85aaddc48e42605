import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AssetsModule } from './assets/assets.module.js';
import { AuthGuard } from './auth/auth.guard.js';
import { BackfillsModule } from './backfills/backfills.module.js';
import { ExamplesModule } from './examples/examples.module.js';
import { LiveModule } from './live/live.module.js';
import { MaterializerModule } from './materializer/materializer.module.js';
import { APP_CONFIG } from './config/app-config.js';
import { HealthController } from './http/health.controller.js';
import { DeadLettersController } from './operations/dead-letters.controller.js';
import { LineageRuntime } from './lineage/lineage.runtime.js';
import { ConsumerRegistry } from './projector/consumer-registry.js';
import { ProjectorService } from './projector/projector.service.js';
import type { Platform } from './runtime/platform.js';
import { DB, EVENT_STORE, LOGGER, METRICS, PLATFORM } from './runtime/tokens.js';
import { WorkflowsModule } from './workflows/workflows.module.js';
import { JOB_HANDLERS, JobHandlerRegistry } from './jobs/job-handler.js';
import { RerunModule } from './runs/rerun/rerun.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';
import { RunsModule } from './runs/runs.module.js';
import { TIMERS, timersProvider } from './timers/timers.provider.js';

/** Wires the platform (opened before Nest) into every context. */
@Module({})
export class AppModule {
  static forRoot(platform: Platform): DynamicModule {
    const platformProviders: Provider[] = [
      { provide: PLATFORM, useValue: platform },
      { provide: APP_CONFIG, useValue: platform.config },
      { provide: LOGGER, useValue: platform.log },
      { provide: DB, useValue: platform.db },
      { provide: EVENT_STORE, useValue: platform.store },
      { provide: METRICS, useValue: platform.metrics },
    ];
    return {
      module: AppModule,
      global: true,
      imports: [
        WorkflowsModule,
        RunsModule,
        AssetsModule,
        MaterializerModule,
        BackfillsModule,
        ExamplesModule,
        LiveModule,
        RerunModule,
        WebhooksModule,
      ],
      controllers: [HealthController, DeadLettersController],
      providers: [
        ...platformProviders,
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: JOB_HANDLERS, useValue: new JobHandlerRegistry() },
        timersProvider,
        ConsumerRegistry,
        ProjectorService,
        LineageRuntime,
      ],
      exports: [...platformProviders, JOB_HANDLERS, TIMERS, ConsumerRegistry],
    };
  }
}
