import type { Migration } from 'kysely';
import * as createFoundation from './20261127T1200_create_foundation.js';
import * as createRunsAndAssets from './20261127T1300_create_runs_and_assets.js';
import * as createAssetCatalog from './20261128T1000_create_asset_catalog.js';
import * as createMaterializer from './20261128T1200_create_materializer.js';
import * as createLineage from './20261201T0900_create_lineage.js';
import * as orderPartitionsByCodePoint from './20261203T1000_order_partitions_by_code_point.js';
import * as processManagerState from './20261203T1100_process_manager_state.js';
import * as createBackfills from './20261203T1200_create_backfills.js';
import * as checkpointMovedSignal from './20261207T1400_checkpoint_moved_signal.js';
import * as createAssetChecks from './20261207T1500_create_asset_checks.js';
import * as fenceCheckpointsByLease from './20261207T1600_fence_checkpoints_by_lease.js';
import * as createWebhooks from './20261207T1200_create_webhooks.js';
import * as queueMaterializerTriggers from './20261207T1200_queue_materializer_triggers.js';
import * as recordDeadLetterDiscards from './20261207T1200_record_dead_letter_discards.js';
import * as holdCheckBlocks from './20261207T1600_hold_check_blocks.js';

/** Every migration in order. Listed statically so the same list works compiled, under Jest and in the CLI. */
export const migrations: Record<string, Migration> = {
  '20261127T1200_create_foundation': createFoundation,
  '20261127T1300_create_runs_and_assets': createRunsAndAssets,
  '20261128T1000_create_asset_catalog': createAssetCatalog,
  '20261128T1200_create_materializer': createMaterializer,
  '20261201T0900_create_lineage': createLineage,
  '20261203T1000_order_partitions_by_code_point': orderPartitionsByCodePoint,
  '20261203T1100_process_manager_state': processManagerState,
  '20261203T1200_create_backfills': createBackfills,
  '20261207T1200_create_webhooks': createWebhooks,
  '20261207T1200_queue_materializer_triggers': queueMaterializerTriggers,
  '20261207T1200_record_dead_letter_discards': recordDeadLetterDiscards,
  '20261207T1400_checkpoint_moved_signal': checkpointMovedSignal,
  '20261207T1500_create_asset_checks': createAssetChecks,
  '20261207T1600_hold_check_blocks': holdCheckBlocks,
  '20261207T1600_fence_checkpoints_by_lease': fenceCheckpointsByLease,
};
