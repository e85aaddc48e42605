import type {
  AssetMaterializationTable,
  AssetPartitionTable,
} from './asset-materializations/asset-materializations.table.js';
import type { AssetCheckTable } from './asset-checks/asset-checks.table.js';
import type { AutoMaterializeDecisionTable } from './auto-materialize-decisions/auto-materialize-decisions.table.js';
import type {
  BackfillManagerBackfillTable,
  BackfillManagerPartitionTable,
} from './backfill-manager/backfill-manager.table.js';
import type { BackfillPartitionTable, BackfillRunTable, BackfillTable } from './backfills/backfills.table.js';
import type {
  MaterializerConsumerTable,
  MaterializerLatestTable,
  MaterializerParametersTable,
  MaterializerRunTable,
  MaterializerSeenEventTable,
  MaterializerTargetTable,
  MaterializerWorkflowTable,
} from './materializer/materializer.table.js';
import type { AssetCatalogTable, AssetPartitionEventTable } from './asset-partitions/asset-catalog.table.js';
import type {
  RunExecutorAssetTable,
  RunExecutorRunTable,
  RunExecutorWorkflowTable,
} from './run-executor/run-executor.table.js';
import type { WorkflowRunTable } from './run-history/run-history.table.js';
import type {
  DeadLetterDiscardTable,
  ProjectionCheckpointTable,
  ProjectionDeadLetterTable,
} from './checkpoint.table.js';
import type { LineageEmitterTable, LineageProducerTable, LineageRunTable } from './lineage/lineage.table.js';
import type {
  WorkflowAssetDeclarationTable,
  WorkflowDefinitionTable,
} from './workflow-definitions/workflow-definitions.table.js';

/** Every table, for Kysely<Database>. */
export interface Database {
  projection_checkpoint: ProjectionCheckpointTable;
  projection_dead_letter: ProjectionDeadLetterTable;
  dead_letter_discard: DeadLetterDiscardTable;
  workflow_definition: WorkflowDefinitionTable;
  workflow_asset_declarations: WorkflowAssetDeclarationTable;
  workflow_run: WorkflowRunTable;
  run_executor_run: RunExecutorRunTable;
  run_executor_workflow: RunExecutorWorkflowTable;
  run_executor_asset: RunExecutorAssetTable;
  asset_materialization: AssetMaterializationTable;
  asset_partition: AssetPartitionTable;
  asset_partition_event: AssetPartitionEventTable;
  asset_catalog: AssetCatalogTable;
  materializer_workflow: MaterializerWorkflowTable;
  materializer_consumer: MaterializerConsumerTable;
  materializer_latest: MaterializerLatestTable;
  materializer_target: MaterializerTargetTable;
  materializer_run: MaterializerRunTable;
  materializer_parameters: MaterializerParametersTable;
  materializer_seen_event: MaterializerSeenEventTable;
  auto_materialize_decision: AutoMaterializeDecisionTable;
  asset_check: AssetCheckTable;
  lineage_emitter: LineageEmitterTable;
  lineage_run: LineageRunTable;
  lineage_producer: LineageProducerTable;
  backfill_manager_backfill: BackfillManagerBackfillTable;
  backfill_manager_partition: BackfillManagerPartitionTable;
  backfill: BackfillTable;
  backfill_partition: BackfillPartitionTable;
  backfill_run: BackfillRunTable;
}
