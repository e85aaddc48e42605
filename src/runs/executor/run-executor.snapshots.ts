import { snapshotCodec } from '../../domain/snapshot-codec.js';
import type { Partitioning } from '../../partitions/index.js';
import type { WorkflowProduces } from '../run-graph.js';

export { runSnapshot, type RunSnapshotV1 } from '../run-snapshot.js';

/**
 * What one workflow produces, as the run executor stores it (`run_executor_workflow.produces`), version 1. Rows
 * written before versions hold the bare array; they read as version 1.
 */
export interface ProducesSnapshotV1 {
  v: 1;
  assets: Array<{ assetId: string; partitioning: Partitioning | null }>;
}

/** The run executor's asset-graph entry codec (the workflow's slug is the row's key). */
export const producesSnapshot = snapshotCodec<WorkflowProduces['produces'], ProducesSnapshotV1>({
  name: 'run_executor_workflow.produces',
  version: 1,
  encode: (produces) => ({
    v: 1,
    assets: produces.map(({ assetId, partitioning }) => ({ assetId, partitioning })),
  }),
  decode: (row) => row.assets.map(({ assetId, partitioning }) => ({ assetId, partitioning })),
  legacy: (row) => (Array.isArray(row) ? { v: 1, assets: row } : row),
});
