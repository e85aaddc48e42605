import type { Transaction } from 'kysely';
import type { Database } from '../../projections/database.js';

/**
 * Start gating for automatic runs (DESIGN §7): at most `max` running auto runs per workflow; the rest wait as
 * `pending` and start by priority (lower first), then age. State lives in `run_start_queue`, written in the run
 * executor's checkpoint transaction.
 */
export async function enqueueAutoRun(tx: Transaction<Database>, runId: string, slug: string, priority: number | null, seq: number): Promise<void> {
  await tx
    .insertInto('run_start_queue')
    .values({ run_id: runId, workflow_slug: slug, priority, requested_seq: seq, started: false })
    .onConflict((oc) => oc.column('run_id').doNothing())
    .execute();
}

/** Marks as many queued runs started as the limit allows; returns their ids (to advance). */
export async function admitRuns(tx: Transaction<Database>, slug: string, max: number): Promise<string[]> {
  const running = await tx
    .selectFrom('run_start_queue')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('workflow_slug', '=', slug)
    .where('started', '=', true)
    .executeTakeFirstOrThrow();
  const free = max - Number(running.count);
  if (free <= 0) return [];
  const next = await tx
    .selectFrom('run_start_queue')
    .select('run_id')
    .where('workflow_slug', '=', slug)
    .where('started', '=', false)
    .orderBy((eb) => eb.fn.coalesce('priority', eb.val(2_147_483_647)))
    .orderBy('requested_seq')
    .limit(free)
    .execute();
  const ids = next.map((row) => row.run_id);
  if (ids.length > 0) await tx.updateTable('run_start_queue').set({ started: true }).where('run_id', 'in', ids).execute();
  return ids;
}

/** Whether a gated run was admitted (runs that are not gated are always admitted). */
export async function isAdmitted(tx: Transaction<Database>, runId: string): Promise<boolean> {
  const row = await tx.selectFrom('run_start_queue').select('started').where('run_id', '=', runId).executeTakeFirst();
  return row ? row.started : true;
}

export async function releaseRun(tx: Transaction<Database>, runId: string): Promise<string | null> {
  const row = await tx.deleteFrom('run_start_queue').where('run_id', '=', runId).returning('workflow_slug').executeTakeFirst();
  return row?.workflow_slug ?? null;
}
