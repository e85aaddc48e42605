import { AckPolicy, DeliverPolicy, JetStreamApiError, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { NatsContext } from '../events/nats-context.js';
import type { TimerKind } from '../events/subjects.js';

/** The body of a timer message on `<prefix>_timer.<kind>.<key>`. */
export interface TimerMessage<P = unknown> {
  kind: TimerKind;
  key: string;
  dueAt: string;
  armedAt: string;
  payload: P;
}

export type TimerHandler = (timer: TimerMessage, now: Date) => Promise<void>;

/** Longest single `nak(delay)`; a longer wait is re-checked in chunks. */
const MAX_CHUNK_MS = 10 * 60_000;
const CONSUMER_NOT_FOUND = 10014;

/**
 * Timers on JetStream (DESIGN §3 Timers): one message per `<kind>.<key>` subject (`max_msgs_per_subject: 1`, so a
 * new arm replaces the pending one), delivered to a shared durable that `nak(delay)`s until due, then runs the
 * kind's handler, acks, and deletes the message. Handlers must be idempotent: a crash between handling and the ack
 * delivers the timer again. No polling anywhere.
 */
export class TimerService {
  private readonly handlers = new Map<TimerKind, TimerHandler>();
  private messages: ConsumerMessages | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private inFlight = new Set<Promise<void>>();

  constructor(
    private readonly nats: NatsContext,
    private readonly log: Logger,
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

  /** Arms (or re-arms, replacing) the timer `<kind>.<key>`. */
  async arm<P>(kind: TimerKind, key: string, dueAt: Date | string, payload: P, msgId?: string): Promise<void> {
    const body: TimerMessage<P> = {
      kind,
      key,
      dueAt: new Date(dueAt).toISOString(),
      armedAt: new Date().toISOString(),
      payload,
    };
    await this.nats.js.publish(
      this.nats.subjects.timer(kind, key),
      JSON.stringify(body),
      msgId ? { msgID: msgId } : {},
    );
  }

  async cancel(kind: TimerKind, key: string): Promise<void> {
    await this.nats.jsm.streams.purge(this.nats.subjects.streams.timers, {
      filter: this.nats.subjects.timer(kind, key),
    });
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.stopped = false;
    await this.ensureConsumer();
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.messages?.stop();
    await this.running;
    await Promise.allSettled([...this.inFlight]);
    this.running = undefined;
  }

  private async ensureConsumer(): Promise<void> {
    const { jsm, subjects } = this.nats;
    try {
      await jsm.consumers.info(subjects.streams.timers, subjects.timerDurable);
    } catch (error) {
      if (!(error instanceof JetStreamApiError) || error.code !== CONSUMER_NOT_FOUND) throw error;
      await jsm.consumers.add(subjects.streams.timers, {
        durable_name: subjects.timerDurable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: subjects.allTimers,
        ack_wait: 30_000_000_000,
        max_ack_pending: 1_000_000,
        max_deliver: -1,
      });
    }
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        const consumer = await this.nats.js.consumers.get(
          this.nats.subjects.streams.timers,
          this.nats.subjects.timerDurable,
        );
        this.messages = await consumer.consume({ max_messages: 1000, expires: 5000 });
        for await (const message of this.messages) {
          if (this.stopped) break;
          this.deliver(message);
        }
      } catch (error) {
        if (this.stopped) break;
        this.log.warn({ err: error }, 'timer consumer failed; reconnecting');
        await new Promise((resolve) => setTimeout(resolve, 500));
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
    const work = handler(timer, new Date())
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
