import type { Kysely, Selectable } from 'kysely';
import type { PartitionStatus } from '../../src/backfills/backfill-signals.js';
import type { PartitionRange } from '../../src/backfills/backfill.events.js';
import type { Database } from '../database.js';
import { readInIndexOrder } from '../index-order.js';

export type BackfillStatus = 'running' | 'canceling' | 'succeeded' | 'failed' | 'canceled';

/** Partitions per status; `total` = the sum. */
export type BackfillCountsView = Record<PartitionStatus, number> & { total: number };

/** A backfill as the API shows it (DESIGN §12). */
export interface BackfillView {
  id: string;
  workflowSlug: string;
  assetId: string;
  status: BackfillStatus;
  range: PartitionRange | null;
  partitionCount: number;
  parameters: Record<string, unknown> | null;
  maxConcurrentRuns: number;
  counts: BackfillCountsView;
  requestedBy: string;
  createdAt: string;
  canceledBy: string | null;
  canceledAt: string | null;
  completedAt: string | null;
  eventSeq: number;
}

/** One partition of a backfill. */
export interface BackfillPartitionView {
  partitionKey: string;
  position: number;
  status: PartitionStatus;
  runId: string | null;
  detail: string | null;
  requestedAt: string | null;
  completedAt: string | null;
}

const BACKFILL_COLUMNS = [
  'backfill_id',
  'workflow_slug',
  'asset_id',
  'status',
  'range',
  'parameters',
  'max_concurrent_runs',
  'partition_count',
  'queued',
  'requested',
  'waiting',
  'running',
  'succeeded',
  'failed',
  'canceled',
  'skipped',
  'requested_by',
  'created_at',
  'canceled_by',
  'canceled_at',
  'completed_at',
  'requested_seq',
  'last_seq',
] as const;

type BackfillRow = Pick<Selectable<Database['backfill']>, (typeof BACKFILL_COLUMNS)[number]>;

function isCanceled(status: string): boolean {
  return status === 'canceled' || status === 'canceling';
}

/**
 * Maps a row to the view. After a cancel, partitions never released count (and show) as `canceled`: their rows stay
 * `queued`, so a release decided just before the cancel (stored just after it) still moves them on.
 */
function toBackfillView(row: BackfillRow): BackfillView {
  const canceled = isCanceled(row.status);
  const counts = {
    queued: canceled ? 0 : row.queued,
    requested: row.requested,
    waiting: row.waiting,
    running: row.running,
    succeeded: row.succeeded,
    failed: row.failed,
    canceled: row.canceled + (canceled ? row.queued : 0),
    skipped: row.skipped,
  };
  return {
    id: row.backfill_id,
    workflowSlug: row.workflow_slug,
    assetId: row.asset_id,
    status: row.status as BackfillStatus,
    range: row.range,
    partitionCount: row.partition_count,
    parameters: row.parameters,
    maxConcurrentRuns: row.max_concurrent_runs,
    counts: { total: row.partition_count, ...counts },
    requestedBy: row.requested_by,
    createdAt: new Date(row.created_at).toISOString(),
    canceledBy: row.canceled_by,
    canceledAt: row.canceled_at ? new Date(row.canceled_at).toISOString() : null,
    completedAt: row.completed_at ? new Date(row.completed_at).toISOString() : null,
    eventSeq: row.last_seq,
  };
}

/** One backfill of a workflow, or null. */
export async function findBackfill(db: Kysely<Database>, slug: string, id: string): Promise<BackfillView | null> {
  const row = await db
    .selectFrom('backfill')
    .select(BACKFILL_COLUMNS)
    .where('backfill_id', '=', id)
    .where('workflow_slug', '=', slug)
    .executeTakeFirst();
  return row ? toBackfillView(row as BackfillRow) : null;
}

/** Backfills of a workflow, newest first; keyset paging on the request's stream sequence. */
export async function listBackfills(
  db: Kysely<Database>,
  filter: { slug: string; limit: number; beforeSeq?: number; status?: BackfillStatus },
): Promise<Array<BackfillView & { requestedSeq: number }>> {
  const rows = await readInIndexOrder(db, (tx) => {
    let query = tx
      .selectFrom('backfill')
      .select(BACKFILL_COLUMNS)
      .where('workflow_slug', '=', filter.slug)
      .orderBy('requested_seq', 'desc')
      .limit(filter.limit);
    if (filter.beforeSeq !== undefined) query = query.where('requested_seq', '<', filter.beforeSeq);
    if (filter.status) query = query.where('status', '=', filter.status);
    return query.execute();
  });
  return rows.map((row) => ({ ...toBackfillView(row as BackfillRow), requestedSeq: row.requested_seq }));
}

/**
 * Partitions of a backfill in release order (a range oldest first), after `afterPosition`; `status` filters (after
 * a cancel, `canceled` includes the partitions never released).
 */
export async function listBackfillPartitions(
  db: Kysely<Database>,
  filter: { backfill: BackfillView; limit: number; afterPosition?: number; status?: PartitionStatus },
): Promise<BackfillPartitionView[]> {
  const canceled = isCanceled(filter.backfill.status);
  if (canceled && filter.status === 'queued') return [];
  const rows = await readInIndexOrder(db, (tx) => {
    let query = tx
      .selectFrom('backfill_partition')
      .select(['position', 'partition_key', 'status', 'run_id', 'detail', 'requested_at', 'completed_at'])
      .where('backfill_id', '=', filter.backfill.id)
      .orderBy('position')
      .limit(filter.limit);
    if (filter.afterPosition !== undefined) query = query.where('position', '>', filter.afterPosition);
    if (filter.status === 'canceled' && canceled) query = query.where('status', 'in', ['canceled', 'queued']);
    else if (filter.status) query = query.where('status', '=', filter.status);
    return query.execute();
  });
  return rows.map((row) => {
    const unreleased = canceled && row.status === 'queued';
    return {
      partitionKey: row.partition_key,
      position: row.position,
      status: (unreleased ? 'canceled' : row.status) as PartitionStatus,
      runId: row.run_id,
      detail: unreleased ? 'not released: the backfill was canceled' : row.detail,
      requestedAt: row.requested_at ? new Date(row.requested_at).toISOString() : null,
      completedAt: row.completed_at ? new Date(row.completed_at).toISOString() : null,
    };
  });
}
