import { Module } from '@nestjs/common';

/** Asset catalog: inventory, history, partitions, stale marks, stored partition parameters, lineage graph. */
@Module({
  controllers: [],
  providers: [],
})
export class AssetsModule {}
