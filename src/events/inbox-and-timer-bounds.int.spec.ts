import pino from 'pino';
import { openTestNats } from '../../test/support/test-nats.js';
import { eventually } from '../../test/support/waiting.js';
import { listenForCompletionRequests, type CompletionReply } from './completion-inbox.js';
import { TimerQueue } from './timer-queue.js';

const log = pino({ level: 'silent' });

/** A promise with its resolve, to hold handlers until the test lets them go. */
function gate(): { promise: Promise<void>; open(): void } {
  let open = () => undefined as void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('bounded NATS inputs', () => {
  let nats: Awaited<ReturnType<typeof openTestNats>>;
  beforeAll(async () => {
    nats = await openTestNats();
  });
  afterAll(async () => {
    await nats.dispose();
  });

  it('answers completions past the bound at once with busy() and works on the rest', async () => {
    const held = gate();
    const started: unknown[] = [];
    const inbox = listenForCompletionRequests(
      nats,
      log,
      async (body) => {
        started.push(body);
        await held.promise;
        return { status: 200, body };
      },
      { maxConcurrent: 2, busy: (inflight) => ({ status: 503, body: { code: 'overloaded', inflight } }) },
    );
    try {
      const ask = (n: number) =>
        nats.nc
          .request(nats.subjects.jobComplete, JSON.stringify({ n }), { timeout: 10_000 })
          .then((message) => message.json<CompletionReply>());
      const first = [ask(1), ask(2)];
      await eventually(
        async () => started.length,
        (count) => count === 2,
      );
      // Both places are taken: the next requests are answered while the first two are still held.
      expect(await ask(3)).toEqual({ status: 503, body: { code: 'overloaded', inflight: 2 } });
      expect(await ask(4)).toMatchObject({ status: 503 });
      expect(started).toHaveLength(2);
      held.open();
      expect((await Promise.all(first)).map((reply) => reply.status)).toEqual([200, 200]);
      // A place freed is taken again.
      expect(await ask(5)).toEqual({ status: 200, body: { n: 5 } });
    } finally {
      held.open();
      inbox.stop();
    }
  });

  it('handles at most maxConcurrent due timers at once and every one in the end', async () => {
    const timers = new TimerQueue(nats, log, 2);
    const held = gate();
    let running = 0;
    let most = 0;
    const handled = new Set<string>();
    timers.on('backoff', async (timer) => {
      running += 1;
      most = Math.max(most, running);
      await held.promise;
      running -= 1;
      handled.add(timer.key);
    });
    const keys = Array.from({ length: 6 }, (_, i) => `k${i}`);
    for (const key of keys) await timers.arm('backoff', key, new Date(Date.now() - 1000), {});
    await timers.start();
    try {
      await eventually(
        async () => running,
        (count) => count === 2,
      );
      // The others are due too, yet none is started while two are running.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(running).toBe(2);
      held.open();
      await eventually(
        async () => handled.size,
        (count) => count === keys.length,
      );
      expect(most).toBe(2);
    } finally {
      held.open();
      await timers.stop();
    }
  });
});
