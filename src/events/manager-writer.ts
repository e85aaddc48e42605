import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../projections/database.js';
import {
  checkpointRefusal,
  checkpointStatement,
  insertDeadLetter,
  saveCheckpoint,
  type CheckpointMove,
  type LeaseFence,
} from './consumer-store/index.js';
import type { ManagerWrite, ProcessManager } from './stream-consumer.js';
import type { StoredEvent } from './envelope.js';
import { deadLetterOf, type Decoded } from './projection-batches.js';

/** An event (or a message that is not one) a process manager could not decide on its own. */
export interface PendingPoison {
  item: Decoded;
  error: unknown;
}

export interface ManagerWriterOptions {
  db: Kysely<Database>;
  /** Write at most this often while busy. */
  everyMs: number;
  /** Times one write (metrics). */
  timed: <T>(work: () => Promise<T>) => Promise<T>;
  /** Told when a write failed: the runner stops its subscription and recovers. */
  onFailure: () => void;
  /** The runner's lease, checked by the statement that moves the checkpoint. */
  fence?: () => LeaseFence | null;
  /** Drills only: called after the manager's rows, before the checkpoint, inside the transaction. */
  insideWrite?: (manager: string) => void;
}

/** A write that only moves the checkpoint (the manager changed nothing) is due this long after the last write. */
const CHECKPOINT_ONLY_EVERY_MS = 1000;

/**
 * Writes a process manager's state back lazily, beside the batches that follow: the manager's changes (taken
 * synchronously between batches, so they match the position), its dead letters and the checkpoint go in one
 * transaction; one write at a time, in order. A failed write is kept and thrown at the next batch, after which the
 * runner recovers from the last committed checkpoint.
 */
export class ManagerWriter {
  private writing: Promise<void> | null = null;
  private failure: unknown = null;
  private lastWriteAt = 0;
  private poison: PendingPoison[] = [];
  /** The position of the last committed write. */
  persisted = 0;

  constructor(
    private readonly manager: ProcessManager,
    private readonly options: ManagerWriterOptions,
  ) {}

  /** After a recovery: nothing pending, the committed position is `checkpoint`. */
  async reset(checkpoint: number): Promise<void> {
    await this.writing?.catch(() => undefined);
    this.failure = null;
    this.poison = [];
    this.persisted = checkpoint;
    this.lastWriteAt = Date.now();
  }

  addPoison(item: Decoded | StoredEvent, error: unknown): void {
    this.poison.push({ item, error });
  }

  get hasPoison(): boolean {
    return this.poison.length > 0;
  }

  /** Starts a write of everything up to `position` when one is due (`force`: now). Never throws. */
  start(position: number, force = false): void {
    if (this.writing || this.failure !== null) return;
    const checkpointOnly = !this.manager.dirty && this.poison.length === 0;
    if (position === this.persisted && checkpointOnly) return;
    // Replaying a few more events after a restart costs little; a statement per ~50 ms per idle manager does not.
    const every = checkpointOnly ? CHECKPOINT_ONLY_EVERY_MS : this.options.everyMs;
    if (!force && Date.now() - this.lastWriteAt < every) return;
    const write = this.manager.takeChanges();
    const poison = this.poison.splice(0);
    const move: CheckpointMove = {
      name: this.manager.name,
      previous: this.persisted,
      lastSeq: position,
      notify: true,
      fence: this.options.fence?.() ?? null,
    };
    this.lastWriteAt = Date.now();
    this.writing = this.options
      .timed(() => this.persist(move, write, poison))
      .then(
        () => {
          this.persisted = position;
          this.manager.afterPersist?.();
        },
        (error: unknown) => {
          this.failure = error;
          this.options.onFailure();
        },
      );
    void this.writing.finally(() => (this.writing = null));
  }

  /**
   * Moves the checkpoint with the manager's changes and dead letters: alone when there is nothing else; as ONE
   * statement when the store gave its writes as statements (its own transaction: a failed guard raises and nothing
   * of it lands); otherwise in a transaction. A drill's freeze (`insideWrite`) stops the process with the changes
   * taken and not yet committed.
   */
  private async persist(move: CheckpointMove, write: ManagerWrite | null, poison: PendingPoison[]): Promise<void> {
    const { db, insideWrite } = this.options;
    const { name, previous, lastSeq, fence } = move;
    if (write === null && poison.length === 0) return saveCheckpoint(db, name, previous, lastSeq, [], true, fence);
    if (write?.statements && poison.length === 0) {
      insideWrite?.(name);
      try {
        await checkpointStatement(move, { writes: write.statements, raise: true }).execute(db);
      } catch (error) {
        throw checkpointRefusal(error, name) ?? error;
      }
      return;
    }
    await db.transaction().execute(async (tx: Transaction<Database>) => {
      if (write) await write(tx);
      if (write) insideWrite?.(name);
      for (const { item, error } of poison) await insertDeadLetter(tx, deadLetterOf(name, item, error));
      await saveCheckpoint(tx, name, previous, lastSeq, [], true, fence);
    });
  }

  /** Waits for the write in flight (back-pressure). */
  async settled(): Promise<void> {
    await this.writing;
  }

  /** Writes everything held up to `position` and waits for it (shutdown). */
  async flush(position: number): Promise<void> {
    await this.writing;
    this.start(position, true);
    await this.writing;
    this.throwFailure();
  }

  /** Rethrows a failed write (the caller recovers from the checkpoint). */
  throwFailure(): void {
    if (this.failure === null) return;
    throw this.failure;
  }
}
