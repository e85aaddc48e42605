import type { RawBuilder, Transaction } from 'kysely';
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
  /**
   * The batch as one read and a set of writes (`projection-steps.ts`), so the projector applies a batch of every
   * read model in two statements. A projection with steps implements `project`/`projectBatch` with `runSteps`, so
   * its specs test the same SQL.
   */
  steps?: ProjectionSteps;
}

/** What a projection does with a batch, split into its one read and its writes. */
export interface ProjectionSteps {
  /**
   * A scalar subquery yielding one JSON value with what the fold needs (rows by primary key, ids already seen), or
   * null when the batch needs nothing. It reads only this projection's own tables and the ones ahead of it.
   */
  load?(events: readonly StoredEvent[]): RawBuilder<unknown> | null;
  /**
   * The batch's writes: data-modifying statements that are safe as CTEs of one statement (no two touch the same
   * row; none needs another's effect), each idempotent and guarded by the stream sequence as `project` is.
   */
  write(events: readonly StoredEvent[], loaded: any): RawBuilder<unknown>[];
}
