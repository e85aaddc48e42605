import type { JSONColumnType } from 'kysely';
import type { BackfillRequested } from '../../src/backfills/backfill.events.js';

type Json<T extends object> = JSONColumnType<T, string, string>;

/** How far an active backfill got (the backfill manager's state, written with its checkpoint). */
export interface BackfillManagerProgress {
  next: number;
  canceled: boolean;
  finished: { succeeded: number; failed: number; canceled: number; skipped: number };
}

/** One active backfill: its request (written once) and its progress. Removed when it completes. */
export interface BackfillManagerBackfillTable {
  backfill_id: string;
  workflow_slug: string;
  request: Json<BackfillRequested>;
  progress: Json<BackfillManagerProgress>;
}

/** One released, unfinished partition of an active backfill, with the run serving it once known. */
export interface BackfillManagerPartitionTable {
  backfill_id: string;
  partition_key: string;
  run_id: string | null;
}
