import type { ColumnType } from 'kysely';

/** One row per `materializer.trigger.*` event (keyed by event id, so a late duplicate changes nothing). */
export interface AutoMaterializeDecisionTable {
  event_id: string;
  seq: number;
  workflow_slug: string;
  asset_id: string;
  partition_key: string | null;
  outcome: string;
  reason: string;
  run_id: string | null;
  at: ColumnType<Date, Date | string, Date | string>;
  cause_event_id: string;
  cause_seq: number;
  detail: string | null;
}
