import type { ColumnType, JSONColumnType } from 'kysely';
import type { RunState } from '../../src/runs/run-state.js';
import type { WorkflowProduces } from '../../src/runs/run-graph.js';

/** An active (not yet terminal) run as the run executor last persisted it; removed when the run ends. */
export interface RunExecutorRunTable {
  run_id: string;
  workflow_slug: string;
  state: JSONColumnType<RunState, string, string>;
  last_seq: ColumnType<number, number, number>;
}

/** The produced assets of each workflow: the run executor's asset graph. */
export interface RunExecutorWorkflowTable {
  slug: string;
  produces: JSONColumnType<WorkflowProduces['produces'], string, string>;
}

/** The newest materialization of each asset × partition and whether it expired ('' = unpartitioned). */
export interface RunExecutorAssetTable {
  asset_id: string;
  partition_key_norm: string;
  latest_event_id: string;
  expired: boolean;
}
