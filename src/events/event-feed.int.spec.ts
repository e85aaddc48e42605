import { openTestNats } from '../../test/support/test-nats.js';
import { eventually } from '../../test/support/waiting.js';
import { EventFeed, type FeedEvent, type FeedSubscription } from './event-feed.js';
import { EVENT_TYPE_HEADER } from './event-store.js';
import { FeedOverflowError } from './feed-queue.js';
import type { NatsContext } from './nats-context.js';
import { headers } from '@nats-io/transport-node';

/** Collects a subscription's events in the background until it ends; `until(n)` waits for n of them. */
function collect(subscription: FeedSubscription) {
  const events: FeedEvent[] = [];
  let failure: unknown = null;
  const done = (async () => {
    try {
      for await (const event of subscription) events.push(event);
    } catch (error) {
      failure = error;
    }
  })();
  return {
    events,
    done,
    get failure() {
      return failure;
    },
    until: (n: number) =>
      eventually(
        async () => events.length,
        (length) => length >= n,
      ),
  };
}

describe('EventFeed: one shared consumer per process for live subscribers', () => {
  let nats: NatsContext & { dispose(): Promise<void> };
  let feed: EventFeed;
  const prefix = () => nats.subjects.prefix;

  const publish = async (subject: string, n: number): Promise<number[]> => {
    const seqs: number[] = [];
    for (let i = 0; i < n; i += 1) {
      const h = headers();
      h.set(EVENT_TYPE_HEADER, `probe.${subject}`);
      const ack = await nats.js.publish(`${prefix()}.${subject}`, JSON.stringify({ type: `probe.${subject}`, i }), {
        headers: h,
      });
      seqs.push(ack.seq);
    }
    return seqs;
  };

  beforeAll(async () => {
    nats = await openTestNats();
    feed = new EventFeed(nats, { recentEvents: 20, subscriberBacklog: 50 });
  });
  afterAll(async () => {
    await nats.dispose();
  });
  afterEach(async () => {
    await eventually(
      () => feed.openConsumers(),
      (names) => names.length === 0,
    );
  });

  it('serves many subscribers from one consumer, each its own filter in stream order, and deletes it with the last', async () => {
    const start = (await feed.lastSequence()) + 1;
    const all = await Promise.all(Array.from({ length: 20 }, () => feed.open(`${prefix()}.>`, start)));
    const assets = await Promise.all(Array.from({ length: 20 }, () => feed.open(`${prefix()}.asset.>`, start)));
    expect(await feed.openConsumers()).toHaveLength(1);
    expect(feed.sharedSubscribers).toBe(40);
    const allSeen = all.map(collect);
    const assetSeen = assets.map(collect);
    const runSeqs = await publish('run.x', 5);
    const assetSeqs = await publish('asset.produced.a', 5);
    await Promise.all([...allSeen.map((c) => c.until(10)), ...assetSeen.map((c) => c.until(5))]);
    for (const c of allSeen) expect(c.events.map((e) => e.seq)).toEqual([...runSeqs, ...assetSeqs]);
    for (const c of assetSeen) expect(c.events.map((e) => e.seq)).toEqual(assetSeqs);
    expect(allSeen[0]!.events[0]).toMatchObject({ subject: `${prefix()}.run.x`, type: 'probe.run.x' });
    for (const s of [...all, ...assets]) await s.stop();
    await Promise.all([...allSeen, ...assetSeen].map((c) => c.done));
    expect(feed.sharedSubscribers).toBe(0);
  });

  it('lets a subscriber resume from a recent position without a consumer of its own', async () => {
    const start = (await feed.lastSequence()) + 1;
    const first = await feed.open(`${prefix()}.>`, start);
    const seen = collect(first);
    const seqs = await publish('asset.produced.b', 6);
    await seen.until(6);
    const resumed = await feed.open(`${prefix()}.asset.>`, seqs[2]!);
    const resumedSeen = collect(resumed);
    await resumedSeen.until(4);
    expect(resumedSeen.events.map((e) => e.seq)).toEqual(seqs.slice(2));
    expect(await feed.openConsumers()).toHaveLength(1);
    const more = await publish('asset.produced.b', 1);
    await resumedSeen.until(5);
    expect(resumedSeen.events.map((e) => e.seq)).toEqual([...seqs.slice(2), ...more]);
    await first.stop();
    await resumed.stop();
  });

  it('gives a subscriber resuming from further back than it holds a consumer of its own, missing nothing', async () => {
    const start = (await feed.lastSequence()) + 1;
    const first = await feed.open(`${prefix()}.>`, start);
    const seen = collect(first);
    const seqs = await publish('asset.produced.c', 30);
    await seen.until(30);
    const old = await feed.open(`${prefix()}.asset.produced.c`, seqs[0]!);
    expect(await feed.openConsumers()).toHaveLength(2);
    const oldSeen = collect(old);
    await oldSeen.until(30);
    expect(oldSeen.events.map((e) => e.seq)).toEqual(seqs);
    await old.stop();
    await first.stop();
  });

  it('ends a subscriber that falls behind its bound with FeedOverflowError and keeps serving the others', async () => {
    const start = (await feed.lastSequence()) + 1;
    const slow = await feed.open(`${prefix()}.>`, start);
    const fast = await feed.open(`${prefix()}.>`, start);
    const fastSeen = collect(fast);
    const seqs = await publish('run.y', 60);
    await fastSeen.until(60);
    expect(fastSeen.events.map((e) => e.seq)).toEqual(seqs);
    expect(feed.sharedSubscribers).toBe(1);
    const slowSeen = collect(slow);
    await slowSeen.done;
    expect(slowSeen.failure).toBeInstanceOf(FeedOverflowError);
    await slow.stop();
    await fast.stop();
  });

  it('stops a subscriber whose signal aborts, and the consumer with it when it was the last', async () => {
    const controller = new AbortController();
    const subscription = await feed.open(`${prefix()}.>`, (await feed.lastSequence()) + 1, controller.signal);
    const seen = collect(subscription);
    expect(await feed.openConsumers()).toHaveLength(1);
    controller.abort(new Error('client gone'));
    await seen.done;
    expect(feed.sharedSubscribers).toBe(0);
    const aborted = new AbortController();
    aborted.abort(new Error('gone before'));
    await expect(feed.open(`${prefix()}.>`, 1, aborted.signal)).rejects.toThrow('gone before');
  });
});
