import { sql, type Transaction } from 'kysely';
import { backfillSignalOf, BACKFILL_SIGNAL_TYPES, type BackfillSignal } from '../../src/backfills/backfill-signals.js';
import type { StoredEvent } from '../../src/events/envelope.js';
import type { Database } from '../database.js';
import type { Projection } from '../projection.js';
import { columnList, jsonText, unnestRows, type BatchColumn } from '../unnest-rows.js';
import {
  emptyFold,
  foldSignal,
  partitionKeyOf,
  type BackfillFold,
  type BackfillRow,
  type PartitionRow,
  type RunLink,
} from './backfill-fold.js';

/**
 * Backfills (`backfill`, `backfill_partition`, `backfill_run`): each backfill with its counts per partition status,
 * each partition with its status and run, and the runs in flight that serve a partition. A batch loads the rows its
 * signals touch (primary-key and unique-key lookups over `unnest` arrays), folds the signals in stream order with the
 * same forward-only statuses the backfill manager uses, and writes everything back in one statement.
 */
export const backfillsProjection: Projection = {
  name: 'backfills',
  version: 1,
  tables: ['backfill', 'backfill_partition', 'backfill_run'],
  canHandle: BACKFILL_SIGNAL_TYPES,
  project: (event, tx) => projectBackfills([event], tx),
  projectBatch: projectBackfills,
};

type Signalled = { event: StoredEvent; signal: BackfillSignal };

async function projectBackfills(events: readonly StoredEvent[], tx: Transaction<Database>): Promise<void> {
  const signalled: Signalled[] = [];
  for (const event of events) {
    const signal = backfillSignalOf(event);
    if (signal) signalled.push({ event, signal });
  }
  if (signalled.length === 0) return;
  const fold = emptyFold();
  await load(tx, fold, signalled);
  for (const { signal, event } of signalled) foldSignal(fold, signal, event);
  await save(tx, fold);
}

/** Loads the runs ended in the batch, then every backfill and partition its signals name. */
async function load(tx: Transaction<Database>, fold: BackfillFold, signalled: Signalled[]): Promise<void> {
  const backfillIds = new Set<string>();
  const pairs = new Map<string, [string, string]>();
  const addPair = (backfillId: string, partitionKey: string) => {
    backfillIds.add(backfillId);
    pairs.set(partitionKeyOf(backfillId, partitionKey), [backfillId, partitionKey]);
  };
  const endedRuns: string[] = [];
  for (const { signal } of signalled) {
    if (signal.kind === 'run-ended') endedRuns.push(signal.runId);
    else if (signal.kind === 'partition-requested') addPair(signal.data.backfillId, signal.data.partitionKey);
    else if (signal.kind === 'linked' || signal.kind === 'waiting' || signal.kind === 'skipped')
      for (const backfillId of signal.backfillIds) addPair(backfillId, signal.partitionKey);
    else backfillIds.add(signal.data.backfillId);
  }
  if (endedRuns.length > 0) {
    const links = await sql<RunLink>`
      select r.run_id as "runId", r.backfill_id as "backfillId", r.partition_key as "partitionKey"
      from unnest(${endedRuns}::text[]) as k(run_id)
      join backfill_run r on r.run_id = k.run_id`.execute(tx);
    for (const link of links.rows) {
      fold.runs.set(link.runId, [...(fold.runs.get(link.runId) ?? []), link]);
      addPair(link.backfillId, link.partitionKey);
    }
  }
  if (backfillIds.size === 0) return;
  const backfills = await loadBackfills(tx, [...backfillIds]);
  const partitions = await loadPartitions(tx, [...pairs.values()]);
  for (const row of backfills) fold.backfills.set(row.backfillId, row);
  for (const row of partitions) fold.partitions.set(partitionKeyOf(row.backfillId, row.partitionKey), row);
}

async function loadBackfills(tx: Transaction<Database>, ids: string[]): Promise<BackfillRow[]> {
  const result = await sql<Record<string, any>>`
    select b.* from unnest(${ids}::text[]) as k(backfill_id) join backfill b on b.backfill_id = k.backfill_id`.execute(
    tx,
  );
  return result.rows.map((row) => ({
    backfillId: row.backfill_id,
    workflowSlug: row.workflow_slug,
    assetId: row.asset_id,
    status: row.status,
    range: row.range,
    parameters: row.parameters,
    maxConcurrentRuns: row.max_concurrent_runs,
    partitionCount: row.partition_count,
    counts: {
      queued: row.queued,
      requested: row.requested,
      waiting: row.waiting,
      running: row.running,
      succeeded: row.succeeded,
      failed: row.failed,
      canceled: row.canceled,
      skipped: row.skipped,
    },
    requestedBy: row.requested_by,
    createdAt: iso(row.created_at)!,
    canceledBy: row.canceled_by,
    canceledAt: iso(row.canceled_at),
    completedAt: iso(row.completed_at),
    requestedSeq: row.requested_seq,
    lastSeq: row.last_seq,
  }));
}

async function loadPartitions(tx: Transaction<Database>, pairs: Array<[string, string]>): Promise<PartitionRow[]> {
  if (pairs.length === 0) return [];
  const result = await sql<Record<string, any>>`
    select p.* from unnest(${pairs.map((pair) => pair[0])}::text[], ${pairs.map((pair) => pair[1])}::text[])
      as k(backfill_id, partition_key)
    join backfill_partition p on p.backfill_id = k.backfill_id and p.partition_key = k.partition_key`.execute(tx);
  return result.rows.map((row) => ({
    backfillId: row.backfill_id,
    position: row.position,
    partitionKey: row.partition_key,
    status: row.status,
    runId: row.run_id,
    detail: row.detail,
    requestedAt: iso(row.requested_at),
    completedAt: iso(row.completed_at),
    lastSeq: row.last_seq,
  }));
}

const BACKFILL_COLUMNS: readonly BatchColumn<BackfillRow>[] = [
  { name: 'backfill_id', type: 'text', value: (b) => b.backfillId },
  { name: 'workflow_slug', type: 'text', value: (b) => b.workflowSlug },
  { name: 'asset_id', type: 'text', value: (b) => b.assetId },
  { name: 'status', type: 'text', value: (b) => b.status },
  { name: 'range', type: 'jsonb', value: (b) => jsonText(b.range) },
  { name: 'parameters', type: 'jsonb', value: (b) => jsonText(b.parameters) },
  { name: 'max_concurrent_runs', type: 'integer', value: (b) => b.maxConcurrentRuns },
  { name: 'partition_count', type: 'integer', value: (b) => b.partitionCount },
  ...(['queued', 'requested', 'waiting', 'running', 'succeeded', 'failed', 'canceled', 'skipped'] as const).map(
    (status): BatchColumn<BackfillRow> => ({ name: status, type: 'integer', value: (b) => b.counts[status] }),
  ),
  { name: 'requested_by', type: 'text', value: (b) => b.requestedBy },
  { name: 'created_at', type: 'timestamptz', value: (b) => b.createdAt },
  { name: 'canceled_by', type: 'text', value: (b) => b.canceledBy },
  { name: 'canceled_at', type: 'timestamptz', value: (b) => b.canceledAt },
  { name: 'completed_at', type: 'timestamptz', value: (b) => b.completedAt },
  { name: 'requested_seq', type: 'bigint', value: (b) => b.requestedSeq },
  { name: 'last_seq', type: 'bigint', value: (b) => b.lastSeq },
];

const PARTITION_COLUMNS: readonly BatchColumn<PartitionRow>[] = [
  { name: 'backfill_id', type: 'text', value: (p) => p.backfillId },
  { name: 'position', type: 'integer', value: (p) => p.position },
  { name: 'partition_key', type: 'text', value: (p) => p.partitionKey },
  { name: 'status', type: 'text', value: (p) => p.status },
  { name: 'run_id', type: 'text', value: (p) => p.runId },
  { name: 'detail', type: 'text', value: (p) => p.detail },
  { name: 'requested_at', type: 'timestamptz', value: (p) => p.requestedAt },
  { name: 'completed_at', type: 'timestamptz', value: (p) => p.completedAt },
  { name: 'last_seq', type: 'bigint', value: (p) => p.lastSeq },
];

const LINK_COLUMNS: readonly BatchColumn<RunLink>[] = [
  { name: 'run_id', type: 'text', value: (l) => l.runId },
  { name: 'backfill_id', type: 'text', value: (l) => l.backfillId },
  { name: 'partition_key', type: 'text', value: (l) => l.partitionKey },
];

/** Writes the batch's changes in one statement (data-modifying CTEs; none of them touches another's rows). */
async function save(tx: Transaction<Database>, fold: BackfillFold): Promise<void> {
  const backfills = [...fold.changedBackfills].map((id) => fold.backfills.get(id)!).filter(Boolean);
  const partitions = [...fold.changedPartitions].map((key) => fold.partitions.get(key)!).filter(Boolean);
  const links = [...fold.newLinks.values()];
  const ended = [...fold.endedRuns];
  if (backfills.length + partitions.length + links.length + ended.length === 0) return;
  await sql`
    with upsert_backfills as (
      insert into backfill (${columnList(BACKFILL_COLUMNS)}) ${unnestRows(BACKFILL_COLUMNS, backfills)}
      on conflict (backfill_id) do update set status = excluded.status,
        queued = excluded.queued, requested = excluded.requested, waiting = excluded.waiting,
        running = excluded.running, succeeded = excluded.succeeded, failed = excluded.failed,
        canceled = excluded.canceled, skipped = excluded.skipped, canceled_by = excluded.canceled_by,
        canceled_at = excluded.canceled_at, completed_at = excluded.completed_at, last_seq = excluded.last_seq
      returning 1
    ), upsert_partitions as (
      insert into backfill_partition (${columnList(PARTITION_COLUMNS)}) ${unnestRows(PARTITION_COLUMNS, partitions)}
      on conflict (backfill_id, position) do update set status = excluded.status, run_id = excluded.run_id,
        detail = excluded.detail, requested_at = excluded.requested_at, completed_at = excluded.completed_at,
        last_seq = excluded.last_seq
      returning 1
    ), insert_links as (
      insert into backfill_run (${columnList(LINK_COLUMNS)}) ${unnestRows(LINK_COLUMNS, links)}
      on conflict (run_id, backfill_id) do nothing
      returning 1
    ), delete_links as (
      delete from backfill_run where run_id = any(${ended}::text[]) returning 1
    )
    select (select count(*) from upsert_backfills) + (select count(*) from upsert_partitions)
      + (select count(*) from insert_links) + (select count(*) from delete_links) as written`.execute(tx);
}

function iso(value: Date | string | null): string | null {
  if (value === null || value === undefined) return null;
  return new Date(value).toISOString();
}
