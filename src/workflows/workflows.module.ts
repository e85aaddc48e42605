import { Module } from '@nestjs/common';
import { WorkflowCommandService } from './workflow-command.service.js';
import { WorkflowsController } from './workflows.controller.js';

/**
 * Workflows (DESIGN §6): the definition endpoints and their command side. Other contexts may use
 * `WorkflowCommandService` (definition reads and lookups by slug); nothing else of this folder.
 */
@Module({
  controllers: [WorkflowsController],
  providers: [WorkflowCommandService],
  exports: [WorkflowCommandService],
})
export class WorkflowsModule {}
