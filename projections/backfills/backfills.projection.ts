import { sql, type RawBuilder } from 'kysely';
import { backfillSignalOf, BACKFILL_SIGNAL_TYPES, type BackfillSignal } from '../../src/backfills/backfill-signals.js';
import type { StoredEvent } from '../../src/events/envelope.js';
import type { Projection, ProjectionSteps } from '../projection.js';
import { runSteps } from '../projection-steps.js';
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
const steps: ProjectionSteps = { load: loadBatch, write: writeBatch };

export const backfillsProjection: Projection = {
  name: 'backfills',
  version: 1,
  tables: ['backfill', 'backfill_partition', 'backfill_run'],
  canHandle: BACKFILL_SIGNAL_TYPES,
  steps,
  project: (event, tx) => runSteps(steps, [event], tx),
  projectBatch: (events, tx) => runSteps(steps, events, tx),
};

type Signalled = { event: StoredEvent; signal: BackfillSignal };

function signalsOf(events: readonly StoredEvent[]): Signalled[] {
  const signalled: Signalled[] = [];
  for (const event of events) {
    const signal = backfillSignalOf(event);
    if (signal) signalled.push({ event, signal });
  }
  return signalled;
}

/** What the signals name directly: backfills, (backfill, partition) pairs, and runs that ended. */
function namedBy(signalled: readonly Signalled[]) {
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
  return { backfillIds, pairs: [...pairs.values()], endedRuns };
}

/**
 * One JSON value `{ links, backfills, partitions }`: the links of the runs ended in the batch, then every backfill
 * and partition the signals or those links name (primary-key and unique-key lookups over `unnest` arrays).
 */
function loadBatch(events: readonly StoredEvent[]): RawBuilder<unknown> | null {
  const signalled = signalsOf(events);
  if (signalled.length === 0) return null;
  const { backfillIds, pairs, endedRuns } = namedBy(signalled);
  return sql`with links as (
      select r.run_id, r.backfill_id, r.partition_key from unnest(${endedRuns}::text[]) as k(run_id)
      join backfill_run r on r.run_id = k.run_id
    ), wanted as (
      select backfill_id from unnest(${[...backfillIds]}::text[]) as k(backfill_id)
      union select backfill_id from links
    ), wanted_partitions as (
      select * from unnest(${pairs.map((pair) => pair[0])}::text[], ${pairs.map((pair) => pair[1])}::text[])
        as k(backfill_id, partition_key)
      union select backfill_id, partition_key from links
    )
    select json_build_object(
      'links', (select coalesce(json_agg(json_build_object('runId', run_id, 'backfillId', backfill_id,
        'partitionKey', partition_key)), '[]'::json) from links),
      'backfills', (select coalesce(json_agg(to_json(b)), '[]'::json) from wanted k
        join backfill b on b.backfill_id = k.backfill_id),
      'partitions', (select coalesce(json_agg(to_json(p)), '[]'::json) from wanted_partitions k
        join backfill_partition p on p.backfill_id = k.backfill_id and p.partition_key = k.partition_key))`;
}

interface Loaded {
  links: RunLink[];
  backfills: Array<Record<string, any>>;
  partitions: Array<Record<string, any>>;
}

/** Folds the signals in stream order over what was loaded, with the backfill manager's forward-only statuses. */
function writeBatch(events: readonly StoredEvent[], loaded: Loaded | null): RawBuilder<unknown>[] {
  const signalled = signalsOf(events);
  if (signalled.length === 0 || loaded === null) return [];
  const fold = emptyFold();
  for (const link of loaded.links) fold.runs.set(link.runId, [...(fold.runs.get(link.runId) ?? []), link]);
  for (const row of loaded.backfills.map(toBackfill)) fold.backfills.set(row.backfillId, row);
  for (const row of loaded.partitions.map(toPartition))
    fold.partitions.set(partitionKeyOf(row.backfillId, row.partitionKey), row);
  for (const { signal, event } of signalled) foldSignal(fold, signal, event);
  return save(fold);
}

function toBackfill(row: Record<string, any>): BackfillRow {
  return {
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
  };
}

function toPartition(row: Record<string, any>): PartitionRow {
  return {
    backfillId: row.backfill_id,
    position: row.position,
    partitionKey: row.partition_key,
    status: row.status,
    runId: row.run_id,
    detail: row.detail,
    requestedAt: iso(row.requested_at),
    completedAt: iso(row.completed_at),
    lastSeq: row.last_seq,
  };
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

/** The batch's changes: one statement per table and kind, none touching another's rows. */
function save(fold: BackfillFold): RawBuilder<unknown>[] {
  const backfills = [...fold.changedBackfills].map((id) => fold.backfills.get(id)!).filter(Boolean);
  const partitions = [...fold.changedPartitions].map((key) => fold.partitions.get(key)!).filter(Boolean);
  const links = [...fold.newLinks.values()];
  const ended = [...fold.endedRuns];
  const writes: RawBuilder<unknown>[] = [];
  if (backfills.length > 0)
    writes.push(sql`insert into backfill (${columnList(BACKFILL_COLUMNS)}) ${unnestRows(BACKFILL_COLUMNS, backfills)}
      on conflict (backfill_id) do update set status = excluded.status,
        queued = excluded.queued, requested = excluded.requested, waiting = excluded.waiting,
        running = excluded.running, succeeded = excluded.succeeded, failed = excluded.failed,
        canceled = excluded.canceled, skipped = excluded.skipped, canceled_by = excluded.canceled_by,
        canceled_at = excluded.canceled_at, completed_at = excluded.completed_at, last_seq = excluded.last_seq`);
  if (partitions.length > 0)
    writes.push(sql`insert into backfill_partition (${columnList(PARTITION_COLUMNS)}) ${unnestRows(PARTITION_COLUMNS, partitions)}
      on conflict (backfill_id, position) do update set status = excluded.status, run_id = excluded.run_id,
        detail = excluded.detail, requested_at = excluded.requested_at, completed_at = excluded.completed_at,
        last_seq = excluded.last_seq`);
  if (links.length > 0)
    writes.push(sql`insert into backfill_run (${columnList(LINK_COLUMNS)}) ${unnestRows(LINK_COLUMNS, links)}
      on conflict (run_id, backfill_id) do nothing`);
  if (ended.length > 0) writes.push(sql`delete from backfill_run where run_id = any(${ended}::text[])`);
  return writes;
}

function iso(value: Date | string | null): string | null {
  if (value === null || value === undefined) return null;
  return new Date(value).toISOString();
}
