import { Module } from '@nestjs/common';
import { WorkflowsModule } from '../workflows/workflows.module.js';
import { AssetCatalogReads } from './asset-catalog-reads.js';
import { AssetCatalogController } from './asset-catalog.controller.js';
import { AssetCommandService } from './asset-command.service.js';
import { AssetCommandsController } from './asset-commands.controller.js';
import { AssetDiffReads } from './diff/asset-diff-reads.js';
import { AssetDiffController } from './diff/asset-diff.controller.js';
import { AssetFreshnessReads } from './freshness-gate/asset-freshness-reads.js';
import { AssetFreshnessController } from './freshness-gate/asset-freshness.controller.js';
import { WorkflowAssetReads } from './workflow-asset-reads.js';
import { WorkflowAssetsController } from './workflow-assets.controller.js';

/** Asset catalog: inventory, history, partitions, stale marks, stored partition parameters, lineage graph. */
@Module({
  imports: [WorkflowsModule],
  controllers: [
    WorkflowAssetsController,
    AssetCommandsController,
    AssetCatalogController,
    AssetFreshnessController,
    AssetDiffController,
  ],
  providers: [WorkflowAssetReads, AssetCatalogReads, AssetCommandService, AssetFreshnessReads, AssetDiffReads],
})
export class AssetsModule {}
