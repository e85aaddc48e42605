import { Module } from '@nestjs/common';
import { RunsModule } from '../runs/runs.module.js';
import { WorkflowsModule } from '../workflows/workflows.module.js';
import { AutoMaterializeController } from './auto-materialize.controller.js';
import { MaterializerRuntime } from './materializer.runtime.js';

/** The materializer saga, freshness timers and the auto-materialize operations view. */
@Module({
  imports: [RunsModule, WorkflowsModule],
  controllers: [AutoMaterializeController],
  providers: [MaterializerRuntime],
})
export class MaterializerModule {}
