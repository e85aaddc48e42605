import type { ColumnType } from 'kysely';

/** Event ids `asset_partitions` has applied: a re-appended duplicate (same id, later sequence) changes nothing. */
export interface AssetPartitionEventTable {
  event_id: string;
  seq: number;
}

/**
 * One row per produced asset id (across workflows): how many workflow × partition pairs hold at least one
 * materialization, the materialization count, and the newest materialization by (producedAt, seq).
 */
export interface AssetCatalogTable {
  asset_id: string;
  partition_count: number;
  materializations: number;
  latest_event_id: string | null;
  latest_seq: number | null;
  latest_produced_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
  latest_workflow_slug: string | null;
  last_seq: number;
}
