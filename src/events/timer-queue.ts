import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { sleep } from './lease.js';
import type { NatsContext } from './nats-context.js';
import { durableConsumerConfigs, ensureDurable } from './streams.js';
import type { TimerKind } from './subjects.js';
import { DependencyUnavailableError } from './transient-error.js';
import { LONG_PULL_EXPIRES_MS, pullOptions } from './pull-options.js';

/** The body of a timer message on `<prefix>_timer.<kind>.<key>`. */
export interface TimerMessage<P = unknown> {
  kind: TimerKind;
  key: string;
  dueAt: string;
  armedAt: string;
  payload: P;
}

/** What a timer handler gets besides the timer: when it fired, and when it was first delivered as due. */
export interface TimerFiring {
  now: Date;
  /** Deliveries of this message so far (1 on the first); > 1 means an earlier attempt may have appended already. */
  deliveries: number;
}

export type TimerHandler = (timer: TimerMessage, firing: TimerFiring) => Promise<void>;

/** One timer to arm. */
export interface TimerArm<P = unknown> {
  kind: TimerKind;
  key: string;
  dueAt: Date | string;
  payload: P;
}

/** Longest single `nak(delay)`; a longer wait is re-checked in chunks. */
const MAX_CHUNK_MS = 10 * 60_000;

/**
 * Timers on JetStream (DESIGN §3 Timers), the timer-queue port: one message per `<kind>.<key>` subject
 * (`max_msgs_per_subject: 1`, so a new arm replaces the pending one), delivered to the shared durable
 * `<prefix>-timers` that `nak(delay)`s until due, then runs the kind's handler, acks, and deletes the message.
 * Handlers must be idempotent: a crash between handling and the ack delivers the timer again. No polling.
 */
export class TimerQueue {
  private readonly handlers = new Map<TimerKind, TimerHandler>();
  private messages: ConsumerMessages | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly inFlight = new Set<Promise<void>>();
  private stopReconnect: (() => void) | undefined;

  /**
   * `maxConcurrent` (`APPHUB_MAX_CONCURRENT_TIMERS`) bounds the due timers handled at once: past it the queue stops
   * taking messages until one finishes (the rest wait in the consumer's buffer or on the server), so a burst of due
   * timers cannot flood the process.
   */
  constructor(
    private readonly nats: NatsContext,
    private readonly log: Logger,
    private readonly maxConcurrent = 64,
  ) {}

  /** A stable single-token key for any parts. */
  static key(...parts: Array<string | number | null>): string {
    return createHash('sha256')
      .update(parts.map((part) => (part === null ? '\u0000' : String(part))).join('\u001f'))
      .digest('hex')
      .slice(0, 40);
  }

  on(kind: TimerKind, handler: TimerHandler): void {
    this.handlers.set(kind, handler);
  }

  handles(kind: TimerKind): boolean {
    return this.handlers.has(kind);
  }

  /** Arms (or re-arms, replacing) the timer `<kind>.<key>`. */
  async arm<P>(kind: TimerKind, key: string, dueAt: Date | string, payload: P, armedAt = new Date()): Promise<void> {
    if (!this.nats.isConnected()) throw new DependencyUnavailableError('nats', 'NATS is not connected');
    const body: TimerMessage<P> = {
      kind,
      key,
      dueAt: new Date(dueAt).toISOString(),
      armedAt: armedAt.toISOString(),
      payload,
    };
    // Safe to send again: the timers stream keeps one message per subject.
    await this.nats.publish(this.nats.subjects.timer(kind, key), JSON.stringify(body));
  }

  async cancel(kind: TimerKind, key: string): Promise<void> {
    await this.nats.jsm.streams.purge(this.nats.subjects.streams.timers, {
      filter: this.nats.subjects.timer(kind, key),
    });
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.stopped = false;
    await ensureDurable(
      this.nats.jsm,
      this.nats.subjects.streams.timers,
      durableConsumerConfigs(this.nats.subjects).timers,
    );
    this.stopReconnect = this.nats.onReconnect(() => this.messages?.stop());
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopReconnect?.();
    this.messages?.stop();
    await this.running;
    await Promise.allSettled([...this.inFlight]);
    this.running = undefined;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        const consumer = await this.nats.js.consumers.get(
          this.nats.subjects.streams.timers,
          this.nats.subjects.timerDurable,
        );
        this.messages = await consumer.consume(pullOptions(1000, LONG_PULL_EXPIRES_MS));
        for await (const message of this.messages) {
          if (this.stopped) break;
          while (this.inFlight.size >= this.maxConcurrent) await Promise.race(this.inFlight);
          this.deliver(message);
        }
      } catch (error) {
        if (this.stopped) break;
        this.log.warn({ err: error }, 'timer consumer failed; reconnecting');
        await sleep(250);
      }
    }
  }

  private deliver(message: JsMsg): void {
    let timer: TimerMessage;
    try {
      timer = message.json<TimerMessage>();
    } catch {
      message.term();
      return;
    }
    const remaining = Date.parse(timer.dueAt) - Date.now();
    if (remaining > 0) {
      message.nak(Math.min(remaining, MAX_CHUNK_MS));
      return;
    }
    const handler = this.handlers.get(timer.kind);
    if (!handler) {
      // Another process role owns this kind; hand it back soon without burning a CPU loop.
      message.nak(1000);
      return;
    }
    const work = handler(timer, { now: new Date(), deliveries: message.info.deliveryCount })
      .then(async () => {
        await message.ackAck().catch(() => false);
        await this.nats.jsm.streams
          .deleteMessage(this.nats.subjects.streams.timers, message.seq, false)
          .catch(() => undefined);
      })
      .catch((error) => {
        this.log.warn({ err: error, kind: timer.kind, key: timer.key }, 'timer handler failed; retrying');
        message.nak(1000);
      })
      .finally(() => this.inFlight.delete(work));
    this.inFlight.add(work);
  }
}
