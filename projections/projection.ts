import type { Transaction } from 'kysely';
import type { StoredEvent } from '../src/events/envelope.js';
import type { Database } from './database.js';

/**
 * A read model: a pure function of (event, tx). It touches the database only through `tx`, reads no clock and
 * publishes nothing; the runner owns delivery, batching and the checkpoint (STYLE §5).
 */
export interface Projection {
  /** Checkpoint and lease name. Bump `version` (and the name) when the meaning changes, then rebuild. */
  name: string;
  version: number;
  /** Tables this projection owns (rebuild builds shadows of exactly these). */
  tables: readonly (keyof Database & string)[];
  canHandle: readonly string[];
  /** Each row is one event, with its stream sequence in a `seq` column (a copy can be checked from a sequence on). */
  oneRowPerEvent?: boolean;
  project(event: StoredEvent, tx: Transaction<Database>): Promise<void>;
  /** Optional set-based version of `project` for a whole batch (same result as projecting one by one). */
  projectBatch?(events: readonly StoredEvent[], tx: Transaction<Database>): Promise<void>;
}
