import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../projections/database.js';
import type { ManagerChanges } from '../process-manager/manager-definition.js';
import type { ManagerStore } from '../process-manager/manager-kernel.js';
import type { BackfillManagerParts, StoredBackfill } from './backfill-manager.definition.js';
import { progressSnapshot, requestSnapshot, type BackfillManagerProgress } from './backfill-manager.snapshots.js';
import type { BackfillRequested } from './backfill.events.js';
import {
  emptyBackfillManagerState,
  putBackfill,
  type BackfillManagerState,
  type ManagedBackfill,
} from './backfill.saga.js';

/** What the manager writes back with its checkpoint (copies taken between batches). */
export interface BackfillManagerChanges {
  /** Backfills first seen since the last write (their request is written once). */
  created: Array<{ request: BackfillRequested; progress: BackfillManagerProgress }>;
  /** Backfills whose progress changed (and still active). */
  updated: Array<{ backfillId: string; progress: BackfillManagerProgress }>;
  /** Backfills that completed: their rows go. */
  removed: string[];
  /** Released, unfinished partitions to upsert (with their run). */
  partitions: Array<{ backfillId: string; partitionKey: string; runId: string | null }>;
  /** Partitions that finished. */
  finishedPartitions: Array<{ backfillId: string; partitionKey: string }>;
}

/** Every active backfill with its released, unfinished partitions (loaded when the lease is taken). */
export async function loadBackfillManagerState(db: Kysely<Database>): Promise<ManagedBackfill[]> {
  const [backfills, partitions] = await Promise.all([
    db.selectFrom('backfill_manager_backfill').select(['backfill_id', 'request', 'progress']).execute(),
    db.selectFrom('backfill_manager_partition').select(['backfill_id', 'partition_key', 'run_id']).execute(),
  ]);
  const active = new Map<string, Map<string, string | null>>();
  for (const row of partitions) {
    let map = active.get(row.backfill_id);
    if (!map) active.set(row.backfill_id, (map = new Map()));
    map.set(row.partition_key, row.run_id);
  }
  return backfills.map((row) => ({
    request: requestSnapshot.decode(row.request),
    ...progressSnapshot.decode(row.progress),
    active: active.get(row.backfill_id) ?? new Map(),
  }));
}

/**
 * The backfill manager's tables for the kernel: the whole state is loaded when the lease is taken, a batch reads
 * nothing more, and the changed rows go back in one statement. A backfill's request is written once, when it is
 * first stored (it carries every partition key).
 */
export class BackfillManagerStore implements ManagerStore<BackfillManagerState, null, null, BackfillManagerParts> {
  readonly parts = ['backfill', 'partition'] as const;
  /** Backfills whose row exists (loaded, or written since). */
  private readonly stored = new Set<string>();

  async hydrate(snapshot: Kysely<Database>): Promise<BackfillManagerState> {
    const state = emptyBackfillManagerState();
    this.stored.clear();
    for (const backfill of await loadBackfillManagerState(snapshot)) {
      putBackfill(state, backfill);
      this.stored.add(backfill.request.backfillId);
    }
    return state;
  }

  async load(): Promise<null> {
    return null;
  }

  async save(tx: Transaction<Database>, changes: ManagerChanges<BackfillManagerParts>): Promise<void> {
    const out: BackfillManagerChanges = {
      created: [],
      updated: [],
      removed: [],
      partitions: [],
      finishedPartitions: [],
    };
    for (const [backfillId, backfill] of changes.backfill) {
      if (!backfill) {
        if (this.stored.delete(backfillId)) out.removed.push(backfillId);
      } else if (this.stored.has(backfillId)) out.updated.push({ backfillId, progress: progressOf(backfill) });
      else {
        out.created.push({ request: backfill.request, progress: progressOf(backfill) });
        this.stored.add(backfillId);
      }
    }
    for (const row of changes.partition.values()) if (row) out.partitions.push(row);
    for (const [key, row] of changes.partition)
      if (!row) {
        const [backfillId, partitionKey] = key.split('\u001f') as [string, string];
        out.finishedPartitions.push({ backfillId, partitionKey });
      }
    await saveBackfillManagerChanges(tx, out);
  }
}

/** A copy of a backfill's progress as stored. */
export function progressOf(backfill: StoredBackfill): BackfillManagerProgress {
  return { next: backfill.next, canceled: backfill.canceled, finished: { ...backfill.finished } };
}

/**
 * Writes the changes in one statement (data-modifying CTEs; none of them touches another's rows): new backfills
 * with their request, progress of the others, partition rows, and the rows of completed backfills removed.
 */
export async function saveBackfillManagerChanges(
  tx: Transaction<Database>,
  changes: BackfillManagerChanges,
): Promise<void> {
  const { created, updated, removed, partitions, finishedPartitions } = changes;
  if (created.length + updated.length + removed.length + partitions.length + finishedPartitions.length === 0) return;
  await sql`
    with insert_backfills as (
      insert into backfill_manager_backfill (backfill_id, workflow_slug, request, progress)
      select * from unnest(
        ${created.map((b) => b.request.backfillId)}::text[],
        ${created.map((b) => b.request.workflowSlug)}::text[],
        ${created.map((b) => JSON.stringify(requestSnapshot.encode(b.request)))}::jsonb[],
        ${created.map((b) => JSON.stringify(progressSnapshot.encode(b.progress)))}::jsonb[])
      on conflict (backfill_id) do update set progress = excluded.progress
      returning 1
    ), update_backfills as (
      update backfill_manager_backfill t set progress = k.progress
      from unnest(${updated.map((b) => b.backfillId)}::text[],
        ${updated.map((b) => JSON.stringify(progressSnapshot.encode(b.progress)))}::jsonb[]) as k(backfill_id, progress)
      where t.backfill_id = k.backfill_id
      returning 1
    ), delete_backfills as (
      delete from backfill_manager_backfill where backfill_id = any(${removed}::text[]) returning 1
    ), upsert_partitions as (
      insert into backfill_manager_partition (backfill_id, partition_key, run_id)
      select * from unnest(
        ${partitions.map((p) => p.backfillId)}::text[],
        ${partitions.map((p) => p.partitionKey)}::text[],
        ${partitions.map((p) => p.runId)}::text[])
      on conflict (backfill_id, partition_key) do update set run_id = excluded.run_id
      returning 1
    ), delete_partitions as (
      delete from backfill_manager_partition t
      using unnest(${finishedPartitions.map((p) => p.backfillId)}::text[],
        ${finishedPartitions.map((p) => p.partitionKey)}::text[]) as k(backfill_id, partition_key)
      where t.backfill_id = k.backfill_id and t.partition_key = k.partition_key
      returning 1
    )
    select (select count(*) from insert_backfills) + (select count(*) from update_backfills)
      + (select count(*) from delete_backfills) + (select count(*) from upsert_partitions)
      + (select count(*) from delete_partitions) as written`.execute(tx);
}
