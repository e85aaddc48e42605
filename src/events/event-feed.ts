import type { ConsumerMessages } from '@nats-io/jetstream';
import type { NatsContext } from './nats-context.js';
import { LONG_PULL_EXPIRES_MS, pullOptions } from './pull-options.js';
import {
  FEED_CONSUMER_PREFIX,
  openFeedConsumer,
  SharedFeed,
  toFeedEvent,
  type FeedEvent,
  type FeedSubscription,
  type SharedFeedBounds,
} from './shared-feed.js';

export { FEED_CONSUMER_PREFIX, type FeedEvent, type FeedSubscription } from './shared-feed.js';

/**
 * Idle heartbeat of a client's own consumer (a resume from further back than the shared feed holds): at 5 s a pull
 * the server let expire silently stalls that stream for up to 10 s (rare, see pull-options.ts) and nothing is lost.
 */
const OWN_CONSUMER_HEARTBEAT_MS = 5000;

/**
 * Read-only port to `<PREFIX>_EVENTS` for live subscribers (the `/events` endpoint). Clients starting at the end of
 * the stream or at a recent position share the process's one consumer (`SharedFeed`); a client resuming from further
 * back gets an ordered consumer of its own from its start sequence, with ONE filter subject (nats-server 2.9 refuses
 * more per consumer), no acks, deleted on `stop()`. Ordered consumers recreate themselves after a gap or a
 * reconnect, so the sequence never skips: a subscriber resuming from `seq + 1` misses nothing.
 */
export class EventFeed {
  private readonly shared: SharedFeed;

  constructor(
    private readonly nats: NatsContext,
    bounds?: SharedFeedBounds,
  ) {
    this.shared = new SharedFeed(nats, () => this.lastSequence(), bounds);
  }

  /** The `<prefix>.` that every domain subject starts with. */
  get subjectPrefix(): string {
    return `${this.nats.subjects.prefix}.`;
  }

  /** Subscribers served by the shared consumer (for metrics and tests). */
  get sharedSubscribers(): number {
    return this.shared.size;
  }

  /** The stream's last sequence (0 while empty). */
  async lastSequence(): Promise<number> {
    const info = await this.nats.jsm.streams.info(this.nats.subjects.streams.events);
    return info.state.last_seq;
  }

  /**
   * Where a new stream starts (`after`) and whether `resumeAfter` is valid: from the shared feed's position when it
   * runs (no NATS request), else from the stream. `beyond` is set when `resumeAfter` is past the stream's end.
   */
  async startPosition(resumeAfter: number | undefined): Promise<{ after: number } | { beyond: number }> {
    const known = this.shared.position;
    if (known !== null && (resumeAfter === undefined || resumeAfter <= known)) return { after: resumeAfter ?? known };
    const last = await this.lastSequence();
    if (resumeAfter !== undefined && resumeAfter > last) return { beyond: last };
    return { after: resumeAfter ?? last };
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
   * (the client went away) while the subscription is being opened, or any time later, it stops at once and leaves
   * nothing behind; an open aborted before it finished rejects with the signal's reason.
   */
  async open(filter: string, startSeq: number, signal?: AbortSignal): Promise<FeedSubscription> {
    const shared = await this.shared.join(filter, startSeq, signal);
    return shared ?? this.openOwn(filter, startSeq, signal);
  }

  /** A consumer of the client's own, for a start older than the shared feed holds. */
  private async openOwn(filter: string, startSeq: number, signal?: AbortSignal): Promise<FeedSubscription> {
    signal?.throwIfAborted();
    const { consumer, remove } = await openFeedConsumer(this.nats, filter, startSeq);
    let messages: ConsumerMessages | null = null;
    let stopped: Promise<void> | undefined;
    const stop = () =>
      (stopped ??= (async () => {
        messages?.stop();
        await remove();
      })());
    const stopIfGone = async () => {
      if (!signal?.aborted) return;
      await stop().catch(() => undefined);
      throw signal.reason;
    };
    await stopIfGone();
    const source = await consumer.consume({
      ...pullOptions(256, LONG_PULL_EXPIRES_MS),
      idle_heartbeat: OWN_CONSUMER_HEARTBEAT_MS,
    });
    messages = source;
    await stopIfGone();
    signal?.addEventListener('abort', () => void stop().catch(() => undefined), { once: true });
    return {
      stop,
      async *[Symbol.asyncIterator](): AsyncGenerator<FeedEvent> {
        for await (const message of source) yield toFeedEvent(message);
      },
    };
  }
}
