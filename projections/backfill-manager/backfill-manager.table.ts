import type { ColumnType } from 'kysely';

/** A versioned snapshot (src/backfills/backfill-manager.snapshots.ts): decode it, never read it as the in-memory type. */
type Snapshot = ColumnType<unknown, string, string>;

/** One active backfill: its request (written once) and its progress. Removed when it completes. */
export interface BackfillManagerBackfillTable {
  backfill_id: string;
  workflow_slug: string;
  request: Snapshot;
  /** How far it got (the backfill manager's state, written with its checkpoint). */
  progress: Snapshot;
}

/** One released, unfinished partition of an active backfill, with the run serving it once known. */
export interface BackfillManagerPartitionTable {
  backfill_id: string;
  partition_key: string;
  run_id: string | null;
}
