import type { Transaction } from 'kysely';
import type { Database } from '../../projections/database.js';

/**
 * Start gating for automatic runs (DESIGN §7): at most `max` running auto runs per workflow; the rest wait as
 * `pending` and start by priority (lower first), then age. State lives in `run_start_queue`, written in the run
 * executor's checkpoint transaction.
 */
export async function enqueueAutoRun(
  tx: Transaction<Database>,
  runId: string,
  slug: string,
  priority: number | null,
  seq: number,
): Promise<void> {
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
  if (ids.length > 0)
    await tx.updateTable('run_start_queue').set({ started: true }).where('run_id', 'in', ids).execute();
  return ids;
}

/** Which of these runs may start: gated runs once admitted, runs that are not gated always. */
export async function admittedRuns(tx: Transaction<Database>, runIds: string[]): Promise<Set<string>> {
  if (runIds.length === 0) return new Set();
  const gated = await tx
    .selectFrom('run_start_queue')
    .select(['run_id', 'started'])
    .where('run_id', 'in', runIds)
    .execute();
  const waiting = new Set(gated.filter((row) => !row.started).map((row) => row.run_id));
  return new Set(runIds.filter((runId) => !waiting.has(runId)));
}

/** Frees the start slots of finished runs; answers the workflows that may now admit queued runs. */
export async function releaseRuns(tx: Transaction<Database>, runIds: string[]): Promise<Set<string>> {
  if (runIds.length === 0) return new Set();
  const rows = await tx
    .deleteFrom('run_start_queue')
    .where('run_id', 'in', runIds)
    .returning('workflow_slug')
    .execute();
  return new Set(rows.map((row) => row.workflow_slug));
}
