import { randomBytes } from 'node:crypto';
import { DeliverPolicy, JetStreamApiError, type ConsumerMessages } from '@nats-io/jetstream';
import { EVENT_TYPE_HEADER } from './event-store.js';
import type { NatsContext } from './nats-context.js';
import { LONG_PULL_EXPIRES_MS, pullOptions } from './pull-options.js';

/** One domain event as the live feed hands it on: its position, subject, type and the envelope as JSON text. */
export interface FeedEvent {
  seq: number;
  subject: string;
  type: string;
  /** The envelope, serialized on one line (safe for a server-sent-events `data:` field). */
  json: string;
}

/** An open feed: iterate it for events in stream order; `stop()` ends the iteration and deletes the consumer. */
export interface FeedSubscription extends AsyncIterable<FeedEvent> {
  stop(): Promise<void>;
}

/**
 * Idle heartbeat of a feed's pulls: every open `/events` stream has one, so the 500 ms of the hot consumers would be
 * 2,000 messages a second for 1,000 idle streams; at 5 s a pull the server let expire silently stalls one stream
 * for up to 10 s (rare, see pull-options.ts) and nothing is lost.
 */
const FEED_HEARTBEAT_MS = 5000;

/** A feed consumer no client pulls from is deleted by the server after this long (a backstop to `stop()`). */
const FEED_INACTIVE_THRESHOLD_MS = 60_000;

/** Names of the feed's ordered consumers start with this, so operators (and tests) can tell them apart. */
export const FEED_CONSUMER_PREFIX = 'live';

/**
 * Read-only port to `<PREFIX>_EVENTS` for live subscribers (the `/events` endpoint): an ordered consumer from a
 * start sequence with ONE filter subject (nats-server 2.9 refuses more per consumer), no acks, server-side state
 * deleted on `stop()`. Ordered consumers recreate themselves after a gap or a reconnect, so the sequence never
 * skips: a subscriber resuming from `seq + 1` misses nothing.
 */
export class EventFeed {
  constructor(private readonly nats: NatsContext) {}

  /** The `<prefix>.` that every domain subject starts with. */
  get subjectPrefix(): string {
    return `${this.nats.subjects.prefix}.`;
  }

  /** The stream's last sequence (0 while empty). */
  async lastSequence(): Promise<number> {
    const info = await this.nats.jsm.streams.info(this.nats.subjects.streams.events);
    return info.state.last_seq;
  }

  /** Names of the feed consumers currently on the stream (for health checks and tests). */
  async openConsumers(): Promise<string[]> {
    const names: string[] = [];
    for await (const info of this.nats.jsm.consumers.list(this.nats.subjects.streams.events)) {
      if (info.name.startsWith(`${FEED_CONSUMER_PREFIX}_`)) names.push(info.name);
    }
    return names;
  }

  /**
   * Events on `filter` (a full subject, wildcards allowed) from stream sequence `startSeq` on. When `signal` aborts
   * (the client went away) while the consumer is being created, or any time later, the subscription stops at once:
   * the client-side consumer is closed first (so it never re-creates itself) and the server-side one deleted.
   * An open aborted before it finished rejects with the signal's reason and leaves nothing behind.
   */
  async open(filter: string, startSeq: number, signal?: AbortSignal): Promise<FeedSubscription> {
    signal?.throwIfAborted();
    const consumer = await this.nats.js.consumers.get(this.nats.subjects.streams.events, {
      name_prefix: `${FEED_CONSUMER_PREFIX}_${randomSuffix()}`,
      filter_subjects: filter,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: Math.max(1, startSeq),
      // A backstop only: a consumer no client pulls from is removed by the server after this.
      inactive_threshold: FEED_INACTIVE_THRESHOLD_MS,
    });
    let messages: ConsumerMessages | null = null;
    let stopped: Promise<void> | undefined;
    const stop = () =>
      (stopped ??= (async () => {
        messages?.stop();
        await consumer.delete().catch((error: unknown) => {
          // Already gone (never created, or removed by the server): nothing left to clean up.
          if (!(error instanceof JetStreamApiError)) throw error;
        });
      })());
    const stopIfGone = async () => {
      if (!signal?.aborted) return;
      await stop().catch(() => undefined);
      throw signal.reason;
    };
    await stopIfGone();
    messages = await consumer.consume({ ...pullOptions(256, LONG_PULL_EXPIRES_MS), idle_heartbeat: FEED_HEARTBEAT_MS });
    await stopIfGone();
    signal?.addEventListener('abort', () => void stop().catch(() => undefined), { once: true });
    const source = messages;
    return {
      stop,
      async *[Symbol.asyncIterator]() {
        for await (const message of source) {
          const type = message.headers?.get(EVENT_TYPE_HEADER) ?? '';
          let json = message.string();
          let eventType = type;
          if (!eventType || /[\r\n]/.test(json)) {
            const body = JSON.parse(json) as { type?: unknown };
            eventType ||= typeof body.type === 'string' ? body.type : 'unknown';
            json = JSON.stringify(body);
          }
          yield { seq: message.seq, subject: message.subject, type: eventType, json };
        }
      },
    };
  }
}

function randomSuffix(): string {
  return randomBytes(6).toString('hex');
}
