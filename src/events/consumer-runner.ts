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
import type { Metrics } from '../observability/metrics.js';

/**
 * A read model: `handle` applies a batch inside the transaction that also stores the new checkpoint (STYLE §5).
 */
export interface BatchHandler {
  name: string;
  kind?: 'projection';
  handle(events: readonly StoredEvent[], tx: Transaction<Database>): Promise<void>;
  /** Called after a batch committed (in-process notifications only; must not fail). */
  afterCommit?(events: readonly StoredEvent[]): void;
}

/** An event a process manager could not decide on its own (it goes to the dead letters). */
export interface PoisonEvent {
  event: StoredEvent;
  error: unknown;
}

/**
 * A process manager (STYLE §6): its state lives in memory while it holds the lease. `hydrate` loads it from the
 * manager's store (when the lease is taken and after any failure, so a failed batch never leaves half-applied
 * memory behind); `process` decides a batch and carries out its effects (all settled; an infrastructure failure
 * throws); `takeChanges` hands over (synchronously, between batches) what changed since the last time, as a write
 * that runs inside the transaction that moves the checkpoint. Persisting is lazy (every few dozen milliseconds, not
 * per batch) and runs beside the next batches: a crash replays from the checkpoint, and every effect is idempotent
 * (derived ids, expected sequences, de-duplicated appends).
 */
export interface ProcessManager {
  name: string;
  kind: 'process-manager';
  hydrate(db: Kysely<Database>): Promise<void>;
  process(events: readonly StoredEvent[]): Promise<PoisonEvent[]>;
  takeChanges(): ((tx: Transaction<Database>) => Promise<void>) | null;
  /** True when memory holds changes not yet handed over. */
  readonly dirty: boolean;
  /** After a write committed. */
  afterPersist?(): void;
}

export type StreamConsumer = BatchHandler | ProcessManager;

export interface RunnerOptions {
  nats: NatsContext;
  store: EventStore;
  db: Kysely<Database>;
  log: Logger;
  leaseTtlMs: number;
  /** Owner id in the lease bucket (one per process). */
  instanceId: string;
  batchSize?: number;
  /** Batch size while far behind the stream (catch-up after downtime, rebuild); default: `batchSize`. */
  catchUpBatchSize?: number;
  /** Close a batch as soon as no further message is already delivered, instead of lingering (latency-sensitive consumers). */
  closeWhenIdle?: boolean;
  /** Without a lease (rebuild of a shadow copy). */
  withoutLease?: boolean;
  /** Runs before each batch inside the transaction (rebuild: `SET LOCAL search_path`). */
  prepareTransaction?: (tx: Transaction<Database>) => Promise<void>;
  /** Process managers: write state at most this often while busy (default 50 ms). */
  persistEveryMs?: number;
  /** Batch timings and failures (optional: tools run without metrics). */
  metrics?: Metrics;
}

/** What readiness and metrics see of a runner. */
export interface RunnerStatus {
  name: string;
  leader: boolean;
  position: number;
  /** Since when the runner keeps failing (ms epoch), or null. */
  failingSince: number | null;
  lastError: string | null;
}

/** A batch waits at most this long for one more message. */
const LINGER_MS = 10;
/** While far behind, a batch waits at most this long to fill up to `catchUpBatchSize`. */
const CATCH_UP_LINGER_MS = 200;
/** No progress for this long while the stream is ahead → resubscribe. */
const STALL_AFTER_MS = 3000;
/** A fetch that receives nothing ends after this long and is renewed. */
const FETCH_EXPIRES_MS = 2000;
/** Retry delays after failures: short, because outages end and consumers must resume within seconds. */
const MAX_BACKOFF_MS = 1000;

class ResubscribeSignal extends Error {
  override name = 'ResubscribeSignal';
}

/**
 * Owns delivery for one stream consumer: holds its lease, reads with an ordered consumer from `last_seq + 1`,
 * applies what has arrived as one batch (projections: in one transaction with the checkpoint; process managers: in
 * memory, persisted lazily), isolates poison events into `projection_dead_letter`, retries infrastructure failures
 * from the checkpoint with short backoff (never moving past an event because of them), and resumes by itself when
 * NATS or Postgres come back (DESIGN §4, §10).
 */
export class ConsumerRunner {
  private position = 0;
  private persisted = 0;
  private abort = new AbortController();
  private loop: Promise<void> | undefined;
  private messages: ConsumerMessages | undefined;
  private readonly waiters = new Set<{ seq: number; resolve: () => void }>();
  private readonly log: Logger;
  private lease: Lease | null = null;
  private failingSince: number | null = null;
  private lastError: string | null = null;
  private pendingPoison: PoisonEvent[] = [];
  private lastPersistAt = 0;
  /** The process manager's write in flight (one at a time, in order), and a failure it ended with. */
  private writing: Promise<void> | null = null;
  private writeFailure: unknown = null;
  private processing = false;
  private reconnected = new AbortController();
  private stopReconnect: (() => void) | undefined;

  constructor(
    private readonly handler: StreamConsumer,
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

  /** True while this process holds the consumer's lease (always true without a lease). */
  get isLeader(): boolean {
    return this.options.withoutLease ? this.loop !== undefined : (this.lease?.isHeld ?? false);
  }

  status(): RunnerStatus {
    return {
      name: this.handler.name,
      leader: this.isLeader,
      position: this.position,
      failingSince: this.failingSince,
      lastError: this.lastError,
    };
  }

  start(): void {
    if (this.loop) return;
    this.abort = new AbortController();
    this.stopReconnect = this.options.nats.onReconnect(() => {
      // NATS is back: cut every wait short and resubscribe at once instead of waiting for the watchdog.
      this.reconnected.abort();
      this.reconnected = new AbortController();
      this.messages?.stop();
    });
    this.loop = this.run(this.abort.signal);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.stopReconnect?.();
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
    this.lease = this.options.withoutLease
      ? null
      : new Lease(
          this.options.nats.leases,
          `consumer.${this.handler.name}`,
          this.options.instanceId,
          this.options.leaseTtlMs,
          this.log,
        );
    const lease = this.lease;
    let failures = 0;
    let recover = true;
    while (!signal.aborted) {
      try {
        if (lease && !lease.isHeld) {
          if (!(await lease.acquire(signal, this.reconnected.signal))) {
            if (signal.aborted) break;
            continue;
          }
          recover = true;
        }
        const lost = new AbortController();
        const forget = lease?.onLost(() => {
          lost.abort();
          this.messages?.stop();
        });
        try {
          if (recover) await this.recover();
          recover = false;
          await this.consume(signal, lost.signal);
        } finally {
          forget?.();
        }
        if (lease && !lease.isHeld) recover = true;
        failures = 0;
        this.failingSince = null;
        this.lastError = null;
      } catch (error) {
        if (error instanceof ResubscribeSignal) continue;
        failures += 1;
        recover = true;
        this.failingSince ??= Date.now();
        this.lastError = (error as Error)?.message ?? String(error);
        const level = isTransientError(error) ? 'warn' : 'error';
        this.options.metrics?.consumerFailures.inc({
          consumer: this.handler.name,
          kind: isTransientError(error) ? 'transient' : 'other',
        });
        this.log[level]({ err: error, failures }, 'consumer failed; resuming from the checkpoint');
        await sleep(Math.min(MAX_BACKOFF_MS, 50 * 2 ** Math.min(failures, 5)), signal, this.reconnected.signal);
      }
    }
    // After a failure memory may hold part of the failed batch (it is re-hydrated before the next one): only a
    // manager whose last batch went through writes what it holds; otherwise the write already in flight settles.
    if (this.isManager() && !recover && (lease?.isHeld ?? true)) await this.flush().catch(() => undefined);
    else await this.writing;
    await lease?.release();
  }

  private isManager(): boolean {
    return this.handler.kind === 'process-manager';
  }

  /** Back to the last committed state: the checkpoint, and for a process manager its hydrated store. */
  private async recover(): Promise<void> {
    await this.writing?.catch(() => undefined);
    this.writeFailure = null;
    const checkpoint = await loadCheckpoint(this.options.db, this.handler.name, this.options.prepareTransaction);
    if (this.handler.kind === 'process-manager') await this.handler.hydrate(this.options.db);
    this.pendingPoison = [];
    this.persisted = checkpoint;
    this.position = checkpoint;
    this.lastPersistAt = Date.now();
    this.advance(checkpoint);
  }

  private async consume(stop: AbortSignal, lost: AbortSignal): Promise<void> {
    const consumer = await this.options.nats.js.consumers.get(this.options.nats.subjects.streams.events, {
      filter_subjects: this.options.nats.subjects.allEvents,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: this.position + 1,
    });
    const batchSize = this.options.batchSize ?? 500;
    const catchUp = this.options.catchUpBatchSize
      ? { batchSize: this.options.catchUpBatchSize, lingerMs: CATCH_UP_LINGER_MS }
      : undefined;
    const fetchSize = 2 * Math.max(batchSize, catchUp?.batchSize ?? 0);
    let current: ConsumerMessages | undefined;
    let behindAt: number | null = null;
    // Watchdog: if the stream holds events past our position but nothing arrives, drop the subscription and
    // resubscribe from our position (restarting is always safe: the position decides what is applied next).
    let stalled = false;
    const watchdog = setInterval(() => {
      const seen = this.position;
      this.options.store.lastSequence().then(
        (head) => {
          if (head > seen && behindAt === seen && this.position === seen) {
            this.log.warn({ position: seen, head }, 'consumer stalled; resubscribing');
            stalled = true;
            current?.stop();
          }
          behindAt = head > seen ? seen : null;
        },
        () => undefined,
      );
    }, STALL_AFTER_MS);
    // Process managers: persist what they hold after a short pause too, so an idle manager's checkpoint catches up.
    const idlePersist = this.isManager()
      ? setInterval(() => {
          if (!this.processing) this.startPersist(false);
        }, this.options.persistEveryMs ?? 50)
      : undefined;
    try {
      while (!stop.aborted && !lost.aborted && !stalled) {
        current = await consumer.fetch({ max_messages: fetchSize, expires: FETCH_EXPIRES_MS });
        this.messages = current;
        const closeWhenIdle = this.options.closeWhenIdle ?? true;
        for await (const batch of messageBatches(current, batchSize, LINGER_MS, closeWhenIdle, catchUp)) {
          if (stop.aborted || lost.aborted) break;
          await this.applyBatch(batch);
        }
        this.throwWriteFailure();
      }
    } finally {
      clearInterval(watchdog);
      clearInterval(idlePersist);
      current?.stop();
    }
    this.throwWriteFailure();
    if (stalled && !stop.aborted && !lost.aborted) throw new ResubscribeSignal();
  }

  private async applyBatch(messages: JsMsg[]): Promise<void> {
    this.options.metrics?.batchEvents.observe({ consumer: this.handler.name }, messages.length);
    if (this.handler.kind === 'process-manager')
      return this.timed('process', () => this.processBatch(this.handler as ProcessManager, messages));
    return this.timed('project', () => this.projectBatch(this.handler as BatchHandler, messages));
  }

  private async timed<T>(phase: string, work: () => Promise<T>): Promise<T> {
    const metrics = this.options.metrics;
    if (!metrics) return work();
    const end = metrics.batchSeconds.startTimer({ consumer: this.handler.name, phase });
    try {
      return await work();
    } finally {
      end();
    }
  }

  /** Projections: the batch and the checkpoint in one transaction; a failing event alone goes to the dead letters. */
  private async projectBatch(handler: BatchHandler, messages: JsMsg[]): Promise<void> {
    const decoded = this.decodeAll(messages);
    const lastSeq = messages[messages.length - 1]!.seq;
    const events = decoded.filter((item): item is StoredEvent => !('error' in item));
    const previous = this.position;
    try {
      await this.options.db.transaction().execute(async (tx) => {
        await this.options.prepareTransaction?.(tx);
        await this.deadLetterInvalid(decoded, tx);
        if (events.length > 0) await handler.handle(events, tx);
        await saveCheckpoint(tx, handler.name, previous, lastSeq);
      });
    } catch (error) {
      if (error instanceof CheckpointMovedError || isTransientError(error)) throw error;
      this.log.warn({ err: error, from: messages[0]!.seq, to: lastSeq }, 'batch failed; applying events one by one');
      await this.applyIsolated(handler, decoded, previous, lastSeq);
    }
    this.persisted = lastSeq;
    this.advance(lastSeq);
    try {
      handler.afterCommit?.(events);
    } catch (error) {
      this.log.error({ err: error }, 'afterCommit failed');
    }
  }

  /** Each event in its own savepoint: a failing one goes to the dead-letter table, the rest are applied. */
  private async applyIsolated(handler: BatchHandler, decoded: Decoded[], previous: number, lastSeq: number) {
    await this.options.db.transaction().execute(async (tx) => {
      await this.options.prepareTransaction?.(tx);
      await this.deadLetterInvalid(decoded, tx);
      for (const item of decoded) {
        if ('error' in item) continue;
        await sql`savepoint one_event`.execute(tx);
        try {
          await handler.handle([item], tx);
          await sql`release savepoint one_event`.execute(tx);
        } catch (error) {
          if (isTransientError(error)) throw error;
          await sql`rollback to savepoint one_event`.execute(tx);
          this.log.error({ err: error, seq: item.seq, type: item.type }, 'poison event moved to dead letter');
          await insertDeadLetter(tx, deadLetterOf(handler.name, item, error));
        }
      }
      await saveCheckpoint(tx, handler.name, previous, lastSeq);
    });
  }

  /** Process managers: decide and carry out in memory; start a write of state and checkpoint when one is due. */
  private async processBatch(manager: ProcessManager, messages: JsMsg[]): Promise<void> {
    this.throwWriteFailure();
    const decoded = this.decodeAll(messages);
    const events = decoded.filter((item): item is StoredEvent => !('error' in item));
    for (const item of decoded) {
      if (!('error' in item)) continue;
      this.log.error({ err: item.error, seq: item.seq }, 'invalid event moved to dead letter');
      this.pendingPoison.push({ event: invalidEvent(item), error: item.error });
    }
    this.processing = true;
    try {
      if (events.length > 0) {
        for (const poison of await manager.process(events)) {
          this.log.error({ err: poison.error, seq: poison.event.seq, type: poison.event.type }, 'poison event');
          this.pendingPoison.push(poison);
        }
      }
      this.position = messages[messages.length - 1]!.seq;
    } finally {
      this.processing = false;
    }
    this.startPersist(this.pendingPoison.length > 0);
    // Back-pressure: never run far ahead of what is written.
    if (this.position - this.persisted >= 20_000) await this.writing;
    this.advance(this.position);
  }

  /**
   * Starts writing the manager's changes, its dead letters and the checkpoint in one transaction, beside the
   * following batches (one write at a time; the changes are taken between batches, so they match the position).
   */
  private startPersist(force: boolean): void {
    const manager = this.handler as ProcessManager;
    if (this.writing || this.writeFailure) return;
    const target = this.position;
    if (target === this.persisted && !manager.dirty && this.pendingPoison.length === 0) return;
    const due = force || Date.now() - this.lastPersistAt >= (this.options.persistEveryMs ?? 50);
    if (!due) return;
    const write = manager.takeChanges();
    const poison = this.pendingPoison.splice(0);
    const previous = this.persisted;
    this.lastPersistAt = Date.now();
    this.writing = this.timed('persist', () =>
      this.options.db.transaction().execute(async (tx) => {
        if (write) await write(tx);
        for (const { event, error } of poison) await insertDeadLetter(tx, deadLetterOf(manager.name, event, error));
        await saveCheckpoint(tx, manager.name, previous, target);
      }),
    ).then(
      () => {
        this.persisted = target;
        this.options.metrics?.deadLetters.inc({ consumer: manager.name }, poison.length);
        manager.afterPersist?.();
      },
      (error: unknown) => {
        this.writeFailure = error;
        this.messages?.stop();
      },
    );
    void this.writing.finally(() => (this.writing = null));
  }

  /** Writes everything held (shutdown). */
  private async flush(): Promise<void> {
    await this.writing;
    this.lastPersistAt = 0;
    this.startPersist(true);
    await this.writing;
    this.throwWriteFailure();
  }

  private throwWriteFailure(): void {
    if (this.writeFailure === null) return;
    const failure = this.writeFailure;
    throw failure;
  }

  /**
   * `<prefix>.lineage.*` holds OpenLineage JSON published by the lineage emitter, not domain envelopes: every
   * consumer passes over it (never dead-letters it), and the position still moves past it.
   */
  private decodeAll(messages: JsMsg[]): Decoded[] {
    const prefix = this.options.nats.subjects.prefix;
    return messages
      .filter((message) => !isLineageSubject(prefix, message.subject))
      .map((message) => this.decode(message));
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
      this.log.error({ err: item.error, seq: item.seq }, 'invalid event moved to dead letter');
      await insertDeadLetter(tx, {
        consumer: this.handler.name,
        seq: item.seq,
        subject: item.subject,
        eventId: null,
        eventType: item.error instanceof InvalidEventError ? item.error.eventType : null,
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

type Invalid = { error: unknown; seq: number; subject: string; body: string };
type Decoded = StoredEvent | Invalid;

/** An undecodable message, carried as an event so it can be dead-lettered with its raw body. */
function invalidEvent(item: Invalid): StoredEvent {
  return {
    id: '',
    type: item.error instanceof InvalidEventError ? item.error.eventType : 'unknown',
    schemaVersion: 0,
    occurredAt: '',
    data: item.body,
    metadata: { correlationId: '', causationId: null, actor: '' },
    seq: item.seq,
    subject: item.subject,
  };
}

function deadLetterOf(consumer: string, event: StoredEvent, error: unknown) {
  const raw = event.schemaVersion === 0;
  return {
    consumer,
    seq: event.seq,
    subject: event.subject,
    eventId: raw ? null : event.id,
    eventType: raw && event.type === 'unknown' ? null : event.type,
    error,
    body: raw ? String(event.data) : JSON.stringify(event),
  };
}
