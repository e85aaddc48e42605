import { DeliverPolicy, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { loadCheckpoint } from './checkpoint-store.js';
import { Lease, sleep } from './lease.js';
import { ManagerBatches } from './manager-batches.js';
import { ManagerWriter } from './manager-writer.js';
import { deliveredAt, messageBatches, stampArrivals } from './message-batches.js';
import type { StoredEvent } from './envelope.js';
import { applyProjectionBatch, decodeMessages, validEvents, type ProjectionTarget } from './projection-batches.js';
import type { BatchHandler, RunnerOptions, RunnerStatus, StreamConsumer } from './stream-consumer.js';
import { isTransientError } from './transient-error.js';
import { LONG_PULL_EXPIRES_MS, pullOptions } from './pull-options.js';

// prettier-ignore
export type { BatchHandler, PoisonEvent, ProcessManager, RunnerOptions, RunnerStatus, StreamConsumer } from './stream-consumer.js';

/** A batch waits at most this long for one more message. */
const LINGER_MS = 10;
/** While far behind, a batch waits at most this long to fill up to `catchUpBatchSize`. */
const CATCH_UP_LINGER_MS = 200;
/** No progress for this long while the stream is ahead → resubscribe. */
const STALL_AFTER_MS = 3000;
/** A batch slower than this is logged (with its size) so an operator can see where a lag comes from. */
const SLOW_BATCH_MS = 1000;
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
  private abort = new AbortController();
  private loop: Promise<void> | undefined;
  private messages: ConsumerMessages | undefined;
  private readonly waiters = new Set<{ seq: number; resolve: () => void }>();
  private readonly log: Logger;
  private lease: Lease | null = null;
  private failingSince: number | null = null;
  private stalledSince: number | null = null;
  private lastError: string | null = null;
  /** The process manager's lazy write-back (null for read models). */
  private readonly writer: ManagerWriter | null;
  private processing = false;
  private readonly managerBatches: ManagerBatches | null;
  private reconnected = new AbortController();
  private stopReconnect: (() => void) | undefined;

  constructor(
    private readonly handler: StreamConsumer,
    private readonly options: RunnerOptions,
  ) {
    this.log = options.log.child({ consumer: handler.name });
    options.metrics?.knowConsumer(handler.name);
    this.writer =
      handler.kind === 'process-manager'
        ? new ManagerWriter(handler, {
            db: options.db,
            everyMs: options.persistEveryMs ?? 50,
            timed: (work) => this.timed('persist', 0, work),
            onFailure: () => this.messages?.stop(),
          })
        : null;
    this.managerBatches =
      handler.kind === 'process-manager' && this.writer
        ? new ManagerBatches(handler, this.writer, options.store, this.log)
        : null;
  }

  get name(): string {
    return this.handler.name;
  }

  /** The last stream sequence this runner applied (as far as this process knows). */
  get lastSeq(): number {
    return this.position;
  }

  /** The lease key in `<prefix>-leases`. */
  get leaseKey(): string {
    return `consumer.${this.handler.name}`;
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
      stalledSince: this.stalledSince,
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
    if (this.writer && !recover && (lease?.isHeld ?? true))
      await this.writer.flush(this.position).catch(() => undefined);
    else await this.writer?.settled();
    await lease?.release();
  }

  /** Back to the last committed state: the checkpoint, and for a process manager its hydrated store. */
  private async recover(): Promise<void> {
    const handler = this.handler;
    const { db } = this.options;
    const checkpoint = await loadCheckpoint(
      db,
      handler.name,
      this.options.prepareTransaction,
      handler.kind === 'process-manager' ? (snapshot) => handler.hydrate(snapshot, db) : undefined,
    );
    await this.writer?.reset(checkpoint);
    this.position = checkpoint;
    this.advance(checkpoint);
  }

  private async consume(stop: AbortSignal, lost: AbortSignal): Promise<void> {
    const consumer = await this.options.nats.js.consumers.get(this.options.nats.subjects.streams.events, {
      filter_subjects: this.options.nats.subjects.allEvents,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: this.position + 1,
    });
    // Subscribed again: the consumer works (readiness stops reporting it as failing).
    this.failingSince = null;
    this.lastError = null;
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
            this.stalledSince ??= Date.now();
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
    const writer = this.writer;
    const idlePersist = writer
      ? setInterval(() => {
          if (!this.processing) writer.start(this.position);
        }, this.options.persistEveryMs ?? 50)
      : undefined;
    try {
      while (!stop.aborted && !lost.aborted && !stalled) {
        current = await consumer.fetch(pullOptions(fetchSize, LONG_PULL_EXPIRES_MS));
        this.messages = current;
        if (this.options.traceReadPath) stampArrivals(current);
        const closeWhenIdle = this.options.closeWhenIdle ?? true;
        for await (const batch of messageBatches(current, batchSize, LINGER_MS, closeWhenIdle, catchUp)) {
          if (stop.aborted || lost.aborted) break;
          await this.applyBatch(batch);
        }
        this.writer?.throwFailure();
      }
    } finally {
      clearInterval(watchdog);
      clearInterval(idlePersist);
      current?.stop();
    }
    this.writer?.throwFailure();
    if (stalled && !stop.aborted && !lost.aborted) throw new ResubscribeSignal();
  }

  private async applyBatch(messages: JsMsg[]): Promise<void> {
    this.options.metrics?.batchEvents.observe({ consumer: this.handler.name }, messages.length);
    if (this.handler.kind === 'process-manager')
      return this.timed('process', messages.length, () => this.processBatch(messages));
    return this.timed('project', messages.length, () => this.projectBatch(this.handler as BatchHandler, messages));
  }

  private async timed<T>(phase: string, events: number, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const end = this.options.metrics?.batchSeconds.startTimer({ consumer: this.handler.name, phase });
    try {
      return await work();
    } finally {
      end?.();
      const ms = performance.now() - started;
      if (ms > SLOW_BATCH_MS) this.log.warn({ phase, events, ms: Math.round(ms) }, 'slow batch');
    }
  }

  /**
   * Projections: the batch and the checkpoint in one transaction (after the handler's `prepare`, outside it); a
   * failing event alone goes to the dead letters.
   */
  private async projectBatch(handler: BatchHandler, messages: JsMsg[]): Promise<void> {
    const decoded = decodeMessages(this.options.store, messages);
    const lastSeq = messages[messages.length - 1]!.seq;
    const { db, prepareTransaction } = this.options;
    const startedAt = Date.now();
    const target = await this.prepared(handler, validEvents(decoded));
    await applyProjectionBatch(
      { db, log: this.log, target, ...(prepareTransaction ? { prepare: prepareTransaction } : {}) },
      decoded,
      this.position,
      lastSeq,
    );
    this.advance(lastSeq);
    if (this.options.traceReadPath) this.traceReadPath(messages, startedAt, Date.now());
    try {
      handler.afterCommit?.(validEvents(decoded));
    } catch (error) {
      this.log.error({ err: error }, 'afterCommit failed');
    }
  }

  /** A handler with `prepare`: that work first, outside any transaction; `handle` then gets its result. */
  private async prepared(handler: BatchHandler, events: readonly StoredEvent[]): Promise<ProjectionTarget> {
    if (!handler.prepare || events.length === 0) return handler;
    const prepared = await handler.prepare(events, this.options.db);
    return {
      name: handler.name,
      ...(handler.checkpointMembers ? { checkpointMembers: handler.checkpointMembers } : {}),
      handle: (batch, tx) => handler.handle(batch, tx, prepared),
    };
  }

  /** Per event: stream timestamp → delivered, → its batch started, → committed. */
  private traceReadPath(messages: readonly JsMsg[], startedAt: number, committedAt: number): void {
    const histogram = this.options.metrics?.readPathSeconds;
    if (!histogram) return;
    for (const message of messages) {
      const stamped = message.info.timestampNanos / 1e6;
      const delivered = deliveredAt(message);
      if (delivered !== undefined) histogram.observe({ stage: 'delivered' }, Math.max(0, delivered - stamped) / 1000);
      histogram.observe({ stage: 'batch_started' }, Math.max(0, startedAt - stamped) / 1000);
      histogram.observe({ stage: 'committed' }, Math.max(0, committedAt - stamped) / 1000);
    }
  }

  /** Process managers: decide and carry out in memory; start a write of state and checkpoint when one is due. */
  private async processBatch(messages: JsMsg[]): Promise<void> {
    const writer = this.writer!;
    this.processing = true;
    try {
      await this.managerBatches!.process(messages);
      this.position = messages[messages.length - 1]!.seq;
    } finally {
      this.processing = false;
    }
    writer.start(this.position, writer.hasPoison);
    // Back-pressure: never run far ahead of what is written.
    if (this.position - writer.persisted >= 20_000) await writer.settled();
    this.advance(this.position);
  }

  private advance(seq: number): void {
    if (seq > this.position) this.position = seq;
    this.stalledSince = null;
    for (const waiter of this.waiters) {
      if (waiter.seq <= this.position) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }
}
