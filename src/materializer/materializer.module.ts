import { Module } from '@nestjs/common';
import { AutoMaterializeController } from './auto-materialize.controller.js';
import { MaterializerRuntime } from './materializer.runtime.js';

/** The materializer saga, freshness timers and the auto-materialize operations view. */
@Module({
  controllers: [AutoMaterializeController],
  providers: [MaterializerRuntime],
})
export class MaterializerModule {}
