import { sql, type Kysely } from 'kysely';
import type { RunState } from '../../src/runs/run-state.js';
import { runSnapshot } from '../../src/runs/run-snapshot.js';
import type { Database } from '../database.js';
import { readByIndex, readInIndexOrder } from '../index-order.js';

export interface RunListFilter {
  slug: string;
  limit: number;
  /** Runs requested before this stream sequence (cursor). */
  beforeSeq?: number;
  status?: string;
  partitionKey?: string;
  trigger?: string;
}

/**
 * Runs of a workflow, newest first (by request sequence: a stable order while new runs arrive), a keyset page on
 * the `(workflow_slug, …, requested_seq desc)` indexes whatever the number of runs.
 */
export async function listRuns(
  db: Kysely<Database>,
  filter: RunListFilter,
): Promise<Array<{ state: RunState; seq: number }>> {
  return readInIndexOrder(db, async (tx) => {
    let query = tx
      .selectFrom('workflow_run')
      .select(['state', 'requested_seq'])
      .where('workflow_slug', '=', filter.slug)
      .orderBy('requested_seq', 'desc')
      .limit(filter.limit);
    if (filter.beforeSeq !== undefined) query = query.where('requested_seq', '<', filter.beforeSeq);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.partitionKey) query = query.where('partition_key', '=', filter.partitionKey);
    if (filter.trigger) query = query.where('trigger_type', '=', filter.trigger);
    const rows = await query.execute();
    return rows.map((row) => ({ state: runSnapshot.decode(row.state), seq: row.requested_seq }));
  });
}

/** Status of runs by id (history entries show the producing run's status). */
export async function runStatuses(db: Kysely<Database>, runIds: string[]): Promise<Map<string, string>> {
  if (runIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('workflow_run')
    .select(['id', 'status'])
    .where(sql<boolean>`id = any(${runIds}::text[])`)
    .execute();
  return new Map(rows.map((row) => [row.id, row.status]));
}

/** One run as the read model holds it (null when it has not reached the read model). */
/**
 * Runs by id, in the order asked (null for an unknown id), in ONE statement: `id = any($1)` on the primary key with
 * sequential scans priced out (`readByIndex`: without statistics the planner may otherwise read the whole table for a
 * list of keys). For reads asked for together (`GET /workflow-runs/:id`, coalesced).
 */
export async function findRuns(db: Kysely<Database>, runIds: readonly string[]): Promise<Array<RunState | null>> {
  if (runIds.length === 0) return [];
  const { rows } = await readByIndex(db, (tx) =>
    sql<{ id: string; state: unknown }>`select id, state from workflow_run
      where id = any(${[...new Set(runIds)]}::text[])`.execute(tx),
  );
  const byId = new Map(rows.map((row) => [row.id, row.state]));
  return runIds.map((id) => (byId.has(id) ? runSnapshot.decode(byId.get(id)) : null));
}

export async function findRun(db: Kysely<Database>, runId: string): Promise<RunState | null> {
  const row = await db.selectFrom('workflow_run').select(['state']).where('id', '=', runId).executeTakeFirst();
  return row ? runSnapshot.decode(row.state) : null;
}
