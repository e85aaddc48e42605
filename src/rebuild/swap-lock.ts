import { sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from '../../projections/database.js';

/** How long the swap waits for the first live table before it yields and tries again. */
export const SWAP_LOCK_TIMEOUT_MS = 500;

/**
 * Takes ACCESS EXCLUSIVE on every live table of a swap, the strongest lock first and in one fixed (sorted) order.
 * Only the first lock may wait (up to `SWAP_LOCK_TIMEOUT_MS`, while the swap holds nothing); the others are taken
 * NOWAIT. So the swap never waits while it holds a lock another transaction waits for: no deadlock is possible, and
 * a live projector that is mid-batch never becomes a victim — the swap fails with 55P03 and is retried instead.
 * (Taking EXCLUSIVE first and upgrading later deadlocked with a projector that had read a table and then wanted to
 * write it.)
 */
export async function lockLiveTables(tx: Transaction<Database>, tables: readonly string[]): Promise<void> {
  const [first, ...rest] = [...new Set(tables)].sort();
  if (first === undefined) return;
  await sql`select set_config('lock_timeout', ${`${SWAP_LOCK_TIMEOUT_MS}ms`}, true)`.execute(tx);
  await sql`lock table ${sql.table(`public.${first}`)} in access exclusive mode`.execute(tx);
  if (rest.length > 0)
    await sql`lock table ${sql.join(rest.map((table) => sql.table(`public.${table}`)))} in access exclusive mode nowait`.execute(
      tx,
    );
}

/** 55P03 lock_not_available (NOWAIT or lock_timeout) and 40P01 deadlock_detected: the swap alone is retried. */
export function isLockConflict(error: unknown): boolean {
  return error instanceof pg.DatabaseError && (error.code === '55P03' || error.code === '40P01');
}

/** Backoff before swap attempt `attempt` (1-based): 20 ms doubling to 1 s, with jitter so it does not beat in step. */
export function swapBackoffMs(attempt: number): number {
  const base = Math.min(1000, 20 * 2 ** Math.min(attempt - 1, 6));
  return base / 2 + Math.random() * (base / 2);
}
