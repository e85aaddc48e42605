/** Gated automatic runs waiting to start (or started) per workflow: the run executor's state. */
export interface RunStartQueueTable {
  run_id: string;
  workflow_slug: string;
  priority: number | null;
  requested_seq: number;
  started: boolean;
}

/** Runs waiting for a consumed asset: the run executor resumes them when it is produced. */
export interface RunDependencyWaitTable {
  run_id: string;
  workflow_slug: string;
  step_id: string;
  asset_id: string;
  partition_key: string | null;
  wait_until: Date | string;
}
