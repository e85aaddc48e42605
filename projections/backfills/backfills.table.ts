import type { ColumnType, JSONColumnType } from 'kysely';
import type { PartitionRange } from '../../src/backfills/backfill.events.js';

type Instant = ColumnType<Date, Date | string, Date | string>;
type NullableInstant = ColumnType<Date | null, Date | string | null, Date | string | null>;

/** One row per backfill: what was asked, where it stands (counts per partition status, kept by the projection). */
export interface BackfillTable {
  backfill_id: string;
  workflow_slug: string;
  asset_id: string;
  status: string;
  range: JSONColumnType<PartitionRange | null, string | null, string | null>;
  parameters: JSONColumnType<Record<string, unknown> | null, string | null, string | null>;
  max_concurrent_runs: number;
  partition_count: number;
  queued: number;
  requested: number;
  waiting: number;
  running: number;
  succeeded: number;
  failed: number;
  canceled: number;
  skipped: number;
  requested_by: string;
  created_at: Instant;
  canceled_by: string | null;
  canceled_at: NullableInstant;
  completed_at: NullableInstant;
  requested_seq: number;
  last_seq: number;
}

/** One row per partition of a backfill, in release order (`position`). */
export interface BackfillPartitionTable {
  backfill_id: string;
  position: number;
  partition_key: string;
  status: string;
  run_id: string | null;
  detail: string | null;
  requested_at: NullableInstant;
  completed_at: NullableInstant;
  last_seq: number;
}

/** A run in flight that serves a backfill partition (removed when the run ends). */
export interface BackfillRunTable {
  run_id: string;
  backfill_id: string;
  partition_key: string;
}
