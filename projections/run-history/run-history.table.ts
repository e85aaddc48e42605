import type { ColumnType } from 'kysely';

/** One row per run: key columns for filtering plus the folded run state. */
export interface WorkflowRunTable {
  id: string;
  workflow_slug: string;
  workflow_definition_id: string;
  status: string;
  partition_key: string | null;
  run_key: string | null;
  triggered_by: string | null;
  trigger_type: string;
  created_at: ColumnType<Date, Date | string, Date | string>;
  completed_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
  /** A run snapshot (`runSnapshot`, src/runs/run-snapshot.ts): decode it, never read it as the in-memory type. */
  state: ColumnType<unknown, string, string>;
  requested_seq: number;
  last_seq: number;
}
