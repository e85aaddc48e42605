import type { Kysely } from 'kysely';
import { inFlightSnapshot } from '../../src/materializer/state/materializer.snapshots.js';
import type { Database } from '../database.js';

/** An auto run in flight for a workflow × partition (DESIGN §5 auto-materialize view). */
export interface InFlightView {
  partitionKey: string | null;
  runId: string;
  assetId: string;
  reason: string;
  since: string;
  /** A follow-up is waiting for this run to end. */
  followUpPending: boolean;
}

/** A failure backoff window of a workflow × partition. */
export interface BackoffView {
  partitionKey: string | null;
  failures: number;
  nextEligibleAt: string | null;
  /** A deferred trigger will run when the window ends. */
  deferredPending: boolean;
}

export interface TargetFilter {
  slug: string;
  limit: number;
  assetId?: string;
  partitionKey?: string;
}

function targets(db: Kysely<Database>, filter: TargetFilter) {
  let query = db
    .selectFrom('materializer_target')
    .select(['partition_key', 'in_flight', 'pending', 'failures', 'next_eligible_at'])
    .where('workflow_slug', '=', filter.slug)
    .orderBy('partition_key_norm')
    .limit(filter.limit);
  if (filter.partitionKey) query = query.where('partition_key', '=', filter.partitionKey);
  return query;
}

/** Auto runs in flight per partition, from the materializer's own state (updated with its checkpoint). */
export async function listInFlight(db: Kysely<Database>, filter: TargetFilter): Promise<InFlightView[]> {
  const rows = await targets(db, filter).where('in_flight', 'is not', null).execute();
  return rows
    .map((row) => ({ row, inFlight: inFlightSnapshot.decode(row.in_flight) }))
    .filter(({ inFlight }) => !filter.assetId || inFlight.assetId === filter.assetId)
    .map(({ row, inFlight }) => ({
      partitionKey: row.partition_key,
      ...inFlight,
      followUpPending: row.pending !== null,
    }));
}

/** Partitions with consecutive auto-run failures (the window may be over; `failures` resets on success). */
export async function listBackoff(db: Kysely<Database>, filter: TargetFilter): Promise<BackoffView[]> {
  const rows = await targets(db, filter).where('failures', '>', 0).execute();
  return rows.map((row) => ({
    partitionKey: row.partition_key,
    failures: row.failures,
    nextEligibleAt: row.next_eligible_at,
    deferredPending: row.pending !== null,
  }));
}
