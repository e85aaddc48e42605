import { Module } from '@nestjs/common';
import { RunsModule } from '../runs.module.js';
import { RerunController } from './rerun.controller.js';

/** `POST /workflow-runs/:runId/rerun` (on the runs context's command side). */
@Module({ imports: [RunsModule], controllers: [RerunController] })
export class RerunModule {}
