import { sql, type Transaction } from 'kysely';
import type { StoredEvent } from '../src/events/envelope.js';
import type { Database } from './database.js';
import type { ProjectionSteps } from './projection.js';

/** Applies a batch through its steps in the caller's transaction: the read, then each write as its own statement. */
export async function runSteps(
  steps: ProjectionSteps,
  events: readonly StoredEvent[],
  tx: Transaction<Database>,
): Promise<void> {
  if (events.length === 0) return;
  const load = steps.load?.(events) ?? null;
  const loaded = load ? (await sql<{ loaded: unknown }>`select (${load}) as loaded`.execute(tx)).rows[0]!.loaded : null;
  for (const write of steps.write(events, loaded)) await write.execute(tx);
}
