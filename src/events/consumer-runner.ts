import { DeliverPolicy, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { LeaseFencedError } from './consumer-store/index.js';
import { recoverCheckpoint } from './runner-recovery.js';
import { consumerLeaseKey, Lease, sleep } from './lease.js';
import { ManagerLane } from './manager-lane.js';
import { batching, messageBatches, stampArrivals } from './message-batches.js';
import { timedBatch } from './batch-timer.js';
import { RunnerHealth } from './runner-health.js';
import { PositionWaiters } from './position-waiters.js';
import { ResubscribeSignal, watchRunner } from './stall-watchdog.js';
import { projectMessages } from './projection-runner-batch.js';
import { asTheLeaderHolds } from './replica-gaps.js';
import type { BatchHandler, RunnerOptions, RunnerStatus, StreamConsumer } from './stream-consumer.js';
import { isTransientError } from './transient-error.js';
import { LONG_PULL_EXPIRES_MS, pullOptions } from './pull-options.js';

// prettier-ignore
export type { BatchHandler, PoisonEvent, ProcessManager, RunnerOptions, RunnerStatus, StreamConsumer } from './stream-consumer.js';

/** No progress for this long while the stream is ahead → resubscribe. */
const STALL_AFTER_MS = 3000;
/** A step of the loop (recovering, subscribing, a batch…) that lasts this long is logged as `consumer stuck`. */
const STUCK_AFTER_MS = 10_000;
/** Retry delays after failures: short, because outages end and consumers must resume within seconds. */
const MAX_BACKOFF_MS = 1000;

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
  private readonly waiters = new PositionWaiters();
  private readonly log: Logger;
  private lease: Lease | null = null;
  private readonly health: RunnerHealth;
  /** The process manager's lazy write-back (null for read models). */
  /** Process managers only: their batches in memory, their writes lazily. */
  private readonly lane: ManagerLane | null;
  private reconnected = new AbortController();
  private stopReconnect: (() => void) | undefined;
  private stopStuckWatch: (() => void) | undefined;

  constructor(
    private readonly handler: StreamConsumer,
    private readonly options: RunnerOptions,
  ) {
    this.log = options.log.child({ consumer: handler.name });
    this.health = new RunnerHealth(this.log);
    options.metrics?.knowConsumer(handler.name);
    this.lane =
      handler.kind === 'process-manager'
        ? new ManagerLane(handler, options, this.log, {
            timed: (work) => this.timed('persist', 0, work),
            onFailure: () => this.messages?.stop(),
            fence: () => this.lease?.fence ?? null,
          })
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
    return consumerLeaseKey(this.handler.name);
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
      ...this.health.snapshot(),
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
    this.stopStuckWatch = this.health.watchStuck(STUCK_AFTER_MS, () => ({
      position: this.position,
      leader: this.isLeader,
    }));
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.stopStuckWatch?.();
    this.stopReconnect?.();
    this.messages?.stop();
    await this.loop;
    this.loop = undefined;
  }

  /** Resolves once the runner applied `seq` (in this process) or the timeout elapsed; true when reached. */
  waitFor(seq: number, timeoutMs: number): Promise<boolean> {
    return this.waiters.wait(() => this.position, seq, timeoutMs);
  }

  private async run(signal: AbortSignal): Promise<void> {
    this.lease = this.options.withoutLease
      ? null
      : new Lease(this.options.nats.leases, this.leaseKey, this.options.instanceId, this.options.leaseTtlMs, this.log);
    const lease = this.lease;
    let failures = 0;
    let recover = true;
    while (!signal.aborted) {
      try {
        if (lease && !lease.isHeld) {
          if (this.health.failingSince !== null) this.health.steppedDown(this.health.lastError);
          this.health.standingBy();
          this.health.enter('acquiring lease');
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
          if (recover) {
            this.health.enter('recovering');
            await this.recover();
          }
          recover = false;
          await this.consume(signal, lost.signal);
        } finally {
          forget?.();
        }
        if (lease && !lease.isHeld) recover = true;
        failures = 0;
        this.health.working();
      } catch (error) {
        if (error instanceof ResubscribeSignal) continue;
        recover = true;
        if (error instanceof LeaseFencedError) lease?.surrender();
        if (lease && !lease.isHeld) {
          // The lease went to another process while a batch was in flight; that batch was refused (its checkpoint
          // moved, or a newer lease revision wrote). Handing over is not a failure: this runner is a standby now.
          this.health.steppedDown((error as Error)?.name ?? String(error));
          continue;
        }
        failures += 1;
        await this.failed(error, failures, signal);
      }
    }
    this.health.enter('stopping');
    await this.lane?.finish(this.position, !recover && (lease?.isHeld ?? true));
    await lease?.release();
  }

  /** Reported to readiness and metrics; retried from the checkpoint after a short backoff. */
  private async failed(error: unknown, failures: number, signal: AbortSignal): Promise<void> {
    this.health.failed(error);
    const kind = isTransientError(error) ? 'transient' : 'other';
    this.options.metrics?.consumerFailures.inc({ consumer: this.handler.name, kind });
    this.log[kind === 'transient' ? 'warn' : 'error'](
      { err: error, failures },
      'consumer failed; resuming from the checkpoint',
    );
    this.health.enter('backing off');
    await sleep(Math.min(MAX_BACKOFF_MS, 50 * 2 ** Math.min(failures, 5)), signal, this.reconnected.signal);
  }

  /** Back to the last committed state: the checkpoint, and for a process manager its hydrated store. */
  private async recover(): Promise<void> {
    const checkpoint = await recoverCheckpoint(this.handler, this.options, this.lease, this.log);
    await this.lane?.reset(checkpoint);
    this.position = checkpoint;
    this.advance(checkpoint);
  }

  private async consume(stop: AbortSignal, lost: AbortSignal): Promise<void> {
    this.health.enter('subscribing');
    const consumer = await this.options.nats.js.consumers.get(this.options.nats.subjects.streams.events, {
      filter_subjects: this.options.nats.subjects.allEvents,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: this.position + 1,
    });
    const { batchSize, lingerMs, catchUp, fetchSize } = batching(this.options);
    let current: ConsumerMessages | undefined;
    let stalled = false;
    const watch = {
      everyMs: STALL_AFTER_MS,
      position: () => this.position,
      head: () => this.options.store.lastSequence(),
    };
    const stopWatching = watchRunner(watch, this.health, this.log, () => {
      stalled = true;
      current?.stop();
    });
    const stopIdlePersist = this.lane?.persistWhileIdle(() => this.position);
    try {
      while (!stop.aborted && !lost.aborted && !stalled) {
        this.health.enter('fetching');
        current = await consumer.fetch(pullOptions(fetchSize, LONG_PULL_EXPIRES_MS));
        this.messages = current;
        this.health.enter('waiting for events');
        if (this.options.traceReadPath) stampArrivals(current);
        const closeWhenIdle = this.options.closeWhenIdle ?? true;
        for await (const batch of messageBatches(current, batchSize, lingerMs, closeWhenIdle, catchUp)) {
          if (stop.aborted || lost.aborted) break;
          this.health.enter('applying a batch');
          await this.applyBatch(batch);
          this.health.working();
          this.health.enter('waiting for events');
        }
        this.lane?.throwFailure();
      }
    } finally {
      stopWatching();
      stopIdlePersist?.();
      current?.stop();
    }
    this.lane?.throwFailure();
    if (stalled && !stop.aborted && !lost.aborted) throw new ResubscribeSignal();
  }

  private async applyBatch(delivered: JsMsg[]): Promise<void> {
    const { nats, checkWithLeader = false } = this.options;
    const messages = await asTheLeaderHolds(delivered, this.position, {
      nats,
      compareLast: checkWithLeader,
      log: this.log,
    });
    this.options.metrics?.batchEvents.observe({ consumer: this.handler.name }, messages.length);
    const lane = this.lane;
    if (lane) return this.timed('process', messages.length, () => this.processBatch(lane, messages));
    return this.timed('project', messages.length, () => this.projectBatch(this.handler as BatchHandler, messages));
  }

  private timed<T>(phase: string, events: number, work: () => Promise<T>): Promise<T> {
    return timedBatch(
      { consumer: this.handler.name, metrics: this.options.metrics, log: this.log },
      phase,
      events,
      work,
    );
  }

  /** Projections: see `projectMessages`; the position moves once the batch committed. */
  private async projectBatch(handler: BatchHandler, messages: JsMsg[]): Promise<void> {
    const lastSeq = await projectMessages(handler, messages, this.position, {
      ...this.options,
      log: this.log,
      fence: this.lease?.fence ?? null,
    });
    this.advance(lastSeq);
  }

  /** Process managers: see `ManagerLane`; the position moves once the batch is decided and carried out. */
  private async processBatch(lane: ManagerLane, messages: JsMsg[]): Promise<void> {
    await lane.process(messages, (seq) => (this.position = seq));
    this.advance(this.position);
  }

  private advance(seq: number): void {
    if (seq > this.position) this.position = seq;
    this.health.progressed();
    this.waiters.reached(this.position);
  }
}
