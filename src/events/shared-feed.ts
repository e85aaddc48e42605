import { DeliverPolicy, JetStreamApiError, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { randomBytes } from 'node:crypto';
import { EVENT_TYPE_HEADER } from './event-store.js';
import { FeedQueue } from './feed-queue.js';
import type { NatsContext } from './nats-context.js';
import { LONG_PULL_EXPIRES_MS, pullOptions } from './pull-options.js';
import { subjectMatcher, type SubjectMatcher } from './subject-match.js';

/** One domain event as the live feed hands it on: its position, subject, type and the envelope as JSON text. */
export interface FeedEvent {
  seq: number;
  subject: string;
  type: string;
  /** The envelope, serialized on one line (safe for a server-sent-events `data:` field). */
  json: string;
}

/** An open feed: iterate it for events in stream order; `stop()` ends the iteration and frees what it holds. */
export interface FeedSubscription extends AsyncIterable<FeedEvent> {
  stop(): Promise<void>;
}

/** Names of the feed's consumers start with this, so operators (and tests) can tell them apart. */
export const FEED_CONSUMER_PREFIX = 'live';

/** A feed consumer no client pulls from is deleted by the server after this long (a backstop to `stop()`). */
export const FEED_INACTIVE_THRESHOLD_MS = 60_000;

export interface SharedFeedBounds {
  /** Recent events kept in memory, so a client reconnecting with a recent Last-Event-ID joins without a consumer. */
  recentEvents: number;
  /** Events waiting for one slow subscriber before it is ended (it reconnects with its Last-Event-ID). */
  subscriberBacklog: number;
}

export const DEFAULT_SHARED_FEED_BOUNDS: SharedFeedBounds = { recentEvents: 10_000, subscriberBacklog: 10_000 };

/** The feed event of one stream message (decoded once, whatever the number of subscribers). */
export function toFeedEvent(message: JsMsg): FeedEvent {
  const type = message.headers?.get(EVENT_TYPE_HEADER) ?? '';
  let json = message.string();
  let eventType = type;
  if (!eventType || /[\r\n]/.test(json)) {
    const body = JSON.parse(json) as { type?: unknown };
    eventType ||= typeof body.type === 'string' ? body.type : 'unknown';
    json = JSON.stringify(body);
  }
  return { seq: message.seq, subject: message.subject, type: eventType, json };
}

/**
 * An ordered consumer of the feed (named `live_…`) on `filter` from `startSeq`, and its removal (already gone — never
 * created, or removed by the server after `FEED_INACTIVE_THRESHOLD_MS`, a backstop — counts as removed).
 */
export async function openFeedConsumer(nats: NatsContext, filter: string, startSeq: number) {
  const consumer = await nats.js.consumers.get(nats.subjects.streams.events, {
    name_prefix: `${FEED_CONSUMER_PREFIX}_${randomBytes(6).toString('hex')}`,
    filter_subjects: filter,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: Math.max(1, startSeq),
    inactive_threshold: FEED_INACTIVE_THRESHOLD_MS,
  });
  const remove = () =>
    consumer.delete().then(
      () => undefined,
      (error: unknown) => {
        if (!(error instanceof JetStreamApiError)) throw error;
      },
    );
  return { consumer, remove };
}

interface Subscriber {
  matches: SubjectMatcher;
  startSeq: number;
  queue: FeedQueue<FeedEvent>;
}

interface Running {
  messages: ConsumerMessages;
  deleteConsumer(): Promise<void>;
  /** Every event from this sequence on has been (or will be) seen: the recent buffer covers `coveredFrom..lastSeq`. */
  coveredFrom: number;
  lastSeq: number;
  recent: FeedEvent[];
  recentHead: number;
}

/**
 * ONE ordered consumer per process on every domain subject, shared by all the process's `/events` clients: a write
 * costs one delivery from NATS whatever the number of open streams, an idle stream costs no server-side state, and
 * each event is decoded once. Subscribers get their filter's events from their start sequence on, through their own
 * bounded queue (a slow client never holds up the others; past its bound it is ended and resumes from its
 * Last-Event-ID). The last `recentEvents` events stay in memory, so a client that reconnects soon joins without a
 * consumer of its own. The consumer is created with the first subscriber and deleted with the last one.
 *
 * `join` answers null when the feed cannot cover the start (older than what it holds): the caller then opens a
 * consumer of its own for that client.
 */
export class SharedFeed {
  private running: Running | null = null;
  private starting: Promise<Running> | null = null;
  private readonly subscribers = new Set<Subscriber>();
  private joining = 0;

  constructor(
    private readonly nats: NatsContext,
    private readonly streamLastSeq: () => Promise<number>,
    private readonly bounds: SharedFeedBounds = DEFAULT_SHARED_FEED_BOUNDS,
  ) {}

  /** The last sequence the shared consumer has seen, when it runs (an `/events` start needs no NATS request then). */
  get position(): number | null {
    return this.running ? this.running.lastSeq : null;
  }

  /** Subscribers currently served. */
  get size(): number {
    return this.subscribers.size;
  }

  /** Events on `filter` (full subject) from `startSeq` on, or null when the feed does not reach back that far. */
  async join(filter: string, startSeq: number, signal?: AbortSignal): Promise<FeedSubscription | null> {
    signal?.throwIfAborted();
    this.joining += 1;
    let running: Running;
    try {
      running = await this.ensureRunning(startSeq);
    } finally {
      this.joining -= 1;
    }
    if (signal?.aborted || startSeq < running.coveredFrom || this.running !== running) {
      this.stopIfUnused();
      signal?.throwIfAborted();
      return null;
    }
    const subscriber: Subscriber = {
      matches: subjectMatcher(filter),
      startSeq,
      queue: new FeedQueue(this.bounds.subscriberBacklog),
    };
    // Synchronous from here: no event can arrive between the replay of the recent buffer and the registration.
    for (let i = running.recentHead; i < running.recent.length; i += 1) {
      const event = running.recent[i] as FeedEvent;
      if (event.seq >= startSeq && subscriber.matches(event.subject)) subscriber.queue.push(event);
    }
    this.subscribers.add(subscriber);
    const stop = async () => {
      subscriber.queue.close();
      this.subscribers.delete(subscriber);
      this.stopIfUnused();
    };
    signal?.addEventListener('abort', () => void stop(), { once: true });
    return {
      stop,
      [Symbol.asyncIterator]: () => subscriber.queue[Symbol.asyncIterator](),
    };
  }

  private async ensureRunning(startSeq: number): Promise<Running> {
    if (this.running) return this.running;
    this.starting ??= this.start(startSeq).finally(() => (this.starting = null));
    return this.starting;
  }

  private async start(startSeq: number): Promise<Running> {
    const last = await this.streamLastSeq();
    // Start where the first subscriber starts when that is recent, else at the end of the stream.
    const from = startSeq > last + 1 - this.bounds.recentEvents ? Math.min(startSeq, last + 1) : last + 1;
    const { consumer, remove: deleteConsumer } = await openFeedConsumer(
      this.nats,
      `${this.nats.subjects.prefix}.>`,
      from,
    );
    const messages = await consumer.consume(pullOptions(256, LONG_PULL_EXPIRES_MS));
    const running: Running = {
      messages,
      deleteConsumer,
      coveredFrom: from,
      lastSeq: from - 1,
      recent: [],
      recentHead: 0,
    };
    this.running = running;
    void this.pump(running);
    return running;
  }

  /** Hands every message to the matching subscribers; when the consumer ends, its subscribers end (they resume). */
  private async pump(running: Running): Promise<void> {
    let failure: unknown = new Error('the live feed stopped');
    try {
      for await (const message of running.messages) this.deliver(running, toFeedEvent(message));
    } catch (error) {
      failure = error;
    }
    if (this.running !== running) return;
    this.running = null;
    for (const subscriber of this.subscribers) subscriber.queue.close(failure);
    this.subscribers.clear();
    await running.deleteConsumer().catch(() => undefined);
  }

  private deliver(running: Running, event: FeedEvent): void {
    running.lastSeq = event.seq;
    running.recent.push(event);
    if (running.recent.length - running.recentHead > this.bounds.recentEvents) {
      running.coveredFrom = (running.recent[running.recentHead] as FeedEvent).seq + 1;
      running.recentHead += 1;
      if (running.recentHead > 1024 && running.recentHead * 2 > running.recent.length) {
        running.recent = running.recent.slice(running.recentHead);
        running.recentHead = 0;
      }
    }
    for (const subscriber of this.subscribers) {
      if (event.seq < subscriber.startSeq || !subscriber.matches(event.subject)) continue;
      if (!subscriber.queue.push(event)) this.subscribers.delete(subscriber);
    }
  }

  /** The last subscriber gone (and nobody joining): the consumer is deleted, so an idle process holds nothing. */
  private stopIfUnused(): void {
    const running = this.running;
    if (!running || this.subscribers.size > 0 || this.joining > 0) return;
    this.running = null;
    running.messages.stop();
    void running.deleteConsumer().catch(() => undefined);
  }
}
