import { Module } from '@nestjs/common';
import { RerunController } from './rerun.controller.js';

/** `POST /workflow-runs/:runId/rerun` (its services come from the global app module). */
@Module({ controllers: [RerunController] })
export class RerunModule {}
