import { Module } from '@nestjs/common';
import { BackfillCommandService } from './backfill-command.service.js';
import { BackfillsController } from './backfills.controller.js';
import { BackfillsRuntime } from './backfills.runtime.js';

/** Backfills (DESIGN §12): the endpoints, the command side and the backfill manager. */
@Module({
  controllers: [BackfillsController],
  providers: [BackfillCommandService, BackfillsRuntime],
})
export class BackfillsModule {}
