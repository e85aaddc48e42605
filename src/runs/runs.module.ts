import { Module } from '@nestjs/common';
import type { Platform } from '../runtime/platform.js';
import { PLATFORM, RUN_INDEX } from '../runtime/tokens.js';
import { WorkflowsModule } from '../workflows/workflows.module.js';
import { RunCommandService } from './run-command.service.js';
import type { RunRequester } from './run-requester.js';
import { RunsController } from './runs.controller.js';
import { RunsRuntime } from './runs.runtime.js';

/** Injection token of the run requester (what the materializer requests its auto runs with). */
export const RUN_REQUESTER = Symbol('RUN_REQUESTER');

/**
 * Runs (DESIGN §6): the run endpoints, the command side, the run executor and the job worker. Other contexts may
 * use `RunCommandService` (request, complete, cancel, read a run) and `RUN_REQUESTER` (request a run from an
 * event); the run store and the run-key index stay inside.
 */
@Module({
  imports: [WorkflowsModule],
  controllers: [RunsController],
  providers: [
    { provide: RUN_INDEX, useFactory: (platform: Platform) => platform.events.runIndex(), inject: [PLATFORM] },
    RunCommandService,
    RunsRuntime,
    {
      provide: RUN_REQUESTER,
      useFactory: (commands: RunCommandService): RunRequester => commands.requester,
      inject: [RunCommandService],
    },
  ],
  exports: [RunCommandService, RUN_REQUESTER],
})
export class RunsModule {}
