import type { ColumnType } from 'kysely';

/** An active (not yet terminal) run as the run executor last persisted it; removed when the run ends. */
export interface RunExecutorRunTable {
  run_id: string;
  workflow_slug: string;
  /** A run snapshot (`runSnapshot`, src/runs/run-snapshot.ts): decode it, never read it as the in-memory type. */
  state: ColumnType<unknown, string, string>;
  last_seq: ColumnType<number, number, number>;
}

/** The produced assets of each workflow: the run executor's asset graph. */
export interface RunExecutorWorkflowTable {
  slug: string;
  /** A produces snapshot (`producesSnapshot`, src/runs/executor/run-executor.snapshots.ts). */
  produces: ColumnType<unknown, string, string>;
}

/** The newest materialization of each asset × partition and whether it expired ('' = unpartitioned). */
export interface RunExecutorAssetTable {
  asset_id: string;
  partition_key_norm: string;
  latest_event_id: string;
  expired: boolean;
}
