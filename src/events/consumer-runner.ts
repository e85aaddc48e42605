import { DeliverPolicy, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../projections/database.js';
import type { StoredEvent } from './envelope.js';
import { InvalidEventError } from './event-schemas.js';
import type { EventStore } from './event-store.js';
import { Lease, sleep } from './lease.js';
import type { NatsContext } from './nats-context.js';
import { messageBatches } from './message-batches.js';
import { isTransientError } from './transient-error.js';
import { isLineageSubject } from './lineage-publisher.js';
import { CheckpointMovedError, insertDeadLetter, loadCheckpoint, saveCheckpoint } from './checkpoint-store.js';

/**
 * Something that consumes `<PREFIX>_EVENTS` in order from its Postgres checkpoint: a projection, the asset relay,
 * the run executor, the materializer. `handle` runs inside the transaction that also stores the new checkpoint.
 * Handlers with side effects (appends) must make them idempotent: a batch can be handled again after a crash.
 */
export interface BatchHandler {
  name: string;
  handle(events: readonly StoredEvent[], tx: Transaction<Database>): Promise<void>;
  /** Called after a batch committed (in-process notifications only; must not fail). */
  afterCommit?(events: readonly StoredEvent[]): void;
}

export interface RunnerOptions {
  nats: NatsContext;
  store: EventStore;
  db: Kysely<Database>;
  log: Logger;
  leaseTtlMs: number;
  /** Owner id in the lease bucket (one per process). */
  instanceId: string;
  batchSize?: number;
  /** Close a batch as soon as no further message is already delivered, instead of lingering (latency-sensitive consumers). */
  closeWhenIdle?: boolean;
  /** Without a lease (rebuild of a shadow copy). */
  withoutLease?: boolean;
  /** Runs before each batch inside the transaction (rebuild: `SET LOCAL search_path`). */
  prepareTransaction?: (tx: Transaction<Database>) => Promise<void>;
}

/** A batch waits at most this long for one more message. */
const LINGER_MS = 10;
/** No progress for this long while the stream is ahead → resubscribe. */
const STALL_AFTER_MS = 3000;
/** A fetch that receives nothing ends after this long and is renewed. */
const FETCH_EXPIRES_MS = 2000;

/**
 * Owns delivery for one `BatchHandler`: holds its lease, reads with an ordered consumer from `last_seq + 1`,
 * applies what has arrived as one batch with the new checkpoint, isolates poison events into
 * `projection_dead_letter`, and resumes from the checkpoint after any error (DESIGN §4, STYLE §5).
 */
export class ConsumerRunner {
  private position = 0;
  private abort = new AbortController();
  private loop: Promise<void> | undefined;
  private messages: ConsumerMessages | undefined;
  private readonly waiters = new Set<{ seq: number; resolve: () => void }>();
  private readonly log: Logger;

  constructor(
    private readonly handler: BatchHandler,
    private readonly options: RunnerOptions,
  ) {
    this.log = options.log.child({ consumer: handler.name });
  }

  get name(): string {
    return this.handler.name;
  }

  /** The last stream sequence this runner applied (as far as this process knows). */
  get lastSeq(): number {
    return this.position;
  }

  start(): void {
    if (this.loop) return;
    this.abort = new AbortController();
    this.loop = this.run(this.abort.signal);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.messages?.stop();
    await this.loop;
    this.loop = undefined;
  }

  /** Resolves once the runner applied `seq` (in this process) or the timeout elapsed; true when reached. */
  waitFor(seq: number, timeoutMs: number): Promise<boolean> {
    if (this.position >= seq) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (this.waiters.delete(waiter)) resolve(this.position >= seq);
      }, timeoutMs);
      const waiter = {
        seq,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      this.waiters.add(waiter);
    });
  }

  private async run(signal: AbortSignal): Promise<void> {
    const lease = this.options.withoutLease
      ? null
      : new Lease(
          this.options.nats.leases,
          `consumer.${this.handler.name}`,
          this.options.instanceId,
          this.options.leaseTtlMs,
          this.log,
        );
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (lease && !lease.isHeld && !(await lease.acquire(signal))) break;
        const lost = new AbortController();
        lease?.onLost(() => {
          lost.abort();
          this.messages?.stop();
        });
        await this.consume(signal, lost.signal);
        failures = 0;
      } catch (error) {
        failures += 1;
        this.log.warn({ err: error, failures }, 'consumer failed; resuming from checkpoint');
        await sleep(Math.min(5000, 100 * 2 ** Math.min(failures, 6)), signal);
      }
    }
    await lease?.release();
  }

  private async consume(stop: AbortSignal, lost: AbortSignal): Promise<void> {
    const checkpoint = await loadCheckpoint(this.options.db, this.handler.name, this.options.prepareTransaction);
    this.advance(checkpoint);
    const consumer = await this.options.nats.js.consumers.get(this.options.nats.subjects.streams.events, {
      filter_subjects: this.options.nats.subjects.allEvents,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: checkpoint + 1,
    });
    const batchSize = this.options.batchSize ?? 500;
    let last = checkpoint;
    let current: ConsumerMessages | undefined;
    let behindAt: number | null = null;
    // Watchdog: if the stream holds events past our position but nothing arrives, drop the subscription and
    // resubscribe from the checkpoint (restarting is always safe: the checkpoint decides what is applied).
    let stalled = false;
    const watchdog = setInterval(() => {
      const seen = this.position;
      void this.options.store.lastSequence().then(
        (head) => {
          // Stalled = behind the stream at two checks in a row without moving in between.
          if (head > seen && behindAt === seen && this.position === seen) {
            this.log.warn({ position: seen, head }, 'consumer stalled; resubscribing from the checkpoint');
            stalled = true;
            current?.stop();
          }
          behindAt = head > seen ? seen : null;
        },
        () => undefined,
      );
    }, STALL_AFTER_MS);
    try {
      // Repeated fetches on one ordered consumer: each yields messages as they arrive (no waiting for a full
      // batch); batches close when full, when nothing more is pending, or after a short linger.
      while (!stop.aborted && !lost.aborted && !stalled) {
        current = await consumer.fetch({ max_messages: batchSize * 2, expires: FETCH_EXPIRES_MS });
        this.messages = current;
        for await (const batch of messageBatches(current, batchSize, LINGER_MS, this.options.closeWhenIdle ?? true)) {
          if (stop.aborted || lost.aborted) break;
          last = await this.applyBatch(batch, last);
        }
      }
    } finally {
      clearInterval(watchdog);
      current?.stop();
    }
  }

  private async applyBatch(messages: JsMsg[], previous: number): Promise<number> {
    // `<prefix>.lineage.*` holds OpenLineage JSON published by the lineage emitter, not domain envelopes: every
    // consumer passes over it (never dead-letters it), and the checkpoint still moves past it.
    const prefix = this.options.nats.subjects.prefix;
    const decoded = messages
      .filter((message) => !isLineageSubject(prefix, message.subject))
      .map((message) => this.decode(message));
    const lastSeq = messages[messages.length - 1]!.seq;
    const events = decoded.filter((item): item is StoredEvent => !('error' in item));
    try {
      await this.options.db.transaction().execute(async (tx) => {
        await this.options.prepareTransaction?.(tx);
        await this.deadLetterInvalid(decoded, tx);
        if (events.length > 0) await this.handler.handle(events, tx);
        await saveCheckpoint(tx, this.handler.name, previous, lastSeq);
      });
    } catch (error) {
      if (error instanceof CheckpointMovedError || isTransientError(error)) throw error;
      this.log.warn({ err: error, from: messages[0]!.seq, to: lastSeq }, 'batch failed; applying events one by one');
      await this.applyIsolated(decoded, previous, lastSeq);
    }
    this.advance(lastSeq);
    try {
      this.handler.afterCommit?.(events);
    } catch (error) {
      this.log.error({ err: error }, 'afterCommit failed');
    }
    return lastSeq;
  }

  /** Each event in its own savepoint: a failing one goes to the dead-letter table, the rest are applied. */
  private async applyIsolated(decoded: Decoded[], previous: number, lastSeq: number): Promise<void> {
    await this.options.db.transaction().execute(async (tx) => {
      await this.options.prepareTransaction?.(tx);
      await this.deadLetterInvalid(decoded, tx);
      for (const item of decoded) {
        if ('error' in item) continue;
        await sql`savepoint one_event`.execute(tx);
        try {
          await this.handler.handle([item], tx);
          await sql`release savepoint one_event`.execute(tx);
        } catch (error) {
          if (isTransientError(error)) throw error;
          await sql`rollback to savepoint one_event`.execute(tx);
          this.log.error({ err: error, seq: item.seq, type: item.type }, 'poison event moved to dead letter');
          await insertDeadLetter(tx, {
            consumer: this.handler.name,
            seq: item.seq,
            subject: item.subject,
            eventId: item.id,
            eventType: item.type,
            error,
            body: JSON.stringify(item),
          });
        }
      }
      await saveCheckpoint(tx, this.handler.name, previous, lastSeq);
    });
  }

  private decode(message: JsMsg): Decoded {
    try {
      return this.options.store.decodeMessage(message);
    } catch (error) {
      return { error, seq: message.seq, subject: message.subject, body: message.string() };
    }
  }

  private async deadLetterInvalid(decoded: Decoded[], tx: Transaction<Database>): Promise<void> {
    for (const item of decoded) {
      if (!('error' in item)) continue;
      const type = item.error instanceof InvalidEventError ? item.error.eventType : null;
      this.log.error({ err: item.error, seq: item.seq }, 'invalid event moved to dead letter');
      await insertDeadLetter(tx, {
        consumer: this.handler.name,
        seq: item.seq,
        subject: item.subject,
        eventId: null,
        eventType: type,
        error: item.error,
        body: item.body,
      });
    }
  }

  private advance(seq: number): void {
    if (seq > this.position) this.position = seq;
    for (const waiter of this.waiters) {
      if (waiter.seq <= this.position) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }
}

type Decoded = StoredEvent | { error: unknown; seq: number; subject: string; body: string };
