import { Module } from '@nestjs/common';
import { WorkflowsModule } from '../workflows/workflows.module.js';
import { BackfillCommandService } from './backfill-command.service.js';
import { BackfillsController } from './backfills.controller.js';
import { BackfillsRuntime } from './backfills.runtime.js';

/** Backfills (DESIGN §12): the endpoints, the command side and the backfill manager. */
@Module({
  imports: [WorkflowsModule],
  controllers: [BackfillsController],
  providers: [BackfillCommandService, BackfillsRuntime],
})
export class BackfillsModule {}
