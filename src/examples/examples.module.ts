import { Module } from '@nestjs/common';
import { WorkflowsModule } from '../workflows/workflows.module.js';
import { ExamplesLoader } from './examples-loader.js';

/** The example workflows and their in-process jobs (`examples/`), loaded at boot when `APPHUB_LOAD_EXAMPLES` is true. */
@Module({
  imports: [WorkflowsModule],
  providers: [ExamplesLoader],
})
export class ExamplesModule {}
