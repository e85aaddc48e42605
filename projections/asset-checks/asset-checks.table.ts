import type { ColumnType, JSONColumnType } from 'kysely';

/** One row per `asset.check.evaluated` (keyed by event id, so a late duplicate changes nothing). */
export interface AssetCheckTable {
  event_id: string;
  seq: number;
  workflow_slug: string;
  asset_id: string;
  partition_key: string | null;
  produced_event_id: string;
  workflow_run_id: string;
  check_name: string;
  severity: string;
  blocking: boolean;
  passed: boolean;
  source: string;
  metadata: ColumnType<unknown, string | null, string | null>;
  violations: JSONColumnType<Array<{ path: string; message: string }>, string, string>;
  produced_at: ColumnType<Date, Date | string, Date | string>;
}
