import type { ColumnType, JSONColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null, Date | string | null>;

/** One row per `asset.produced` event (history); the event id is the key, so a late duplicate changes nothing. */
export interface AssetMaterializationTable {
  event_id: string;
  seq: number;
  asset_id: string;
  workflow_slug: string;
  workflow_definition_id: string;
  run_id: string;
  step_id: string;
  partition_key: string | null;
  produced_at: Timestamp;
  payload: ColumnType<unknown, string | null, string | null>;
  asset_schema: JSONColumnType<Record<string, unknown> | null, string | null, string | null>;
  freshness: JSONColumnType<Record<string, unknown> | null, string | null, string | null>;
  run_key: string | null;
  parameters: JSONColumnType<Record<string, unknown> | null, string | null, string | null>;
}

/**
 * One row per workflow × asset × partition (`partition_key_norm` is '' for unpartitioned): materialization count,
 * the latest materialization, expiry, manual stale mark and stored parameters.
 */
export interface AssetPartitionTable {
  workflow_slug: string;
  asset_id: string;
  partition_key_norm: string;
  partition_key: string | null;
  sort_key: number;
  materializations: number;
  latest_event_id: string | null;
  latest_seq: number | null;
  latest_produced_at: NullableTimestamp;
  latest_run_id: string | null;
  first_seen_seq: number;
  expired_at: NullableTimestamp;
  expired_reason: string | null;
  stale_requested_at: NullableTimestamp;
  stale_requested_by: string | null;
  stale_note: string | null;
  parameters: ColumnType<unknown, string | null, string | null>;
  parameters_source: string | null;
  parameters_captured_at: NullableTimestamp;
  parameters_updated_at: NullableTimestamp;
  last_seq: number;
}
