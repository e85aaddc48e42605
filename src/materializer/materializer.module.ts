import { Module } from '@nestjs/common';

/** The materializer saga, freshness timers and the auto-materialize operations view. */
@Module({
  controllers: [],
  providers: [],
})
export class MaterializerModule {}
