import type { JsMsg } from '@nats-io/jetstream';
import type { NatsContext } from './nats-context.js';
import { readOrderedUntil } from './ordered-reads.js';
import { DependencyUnavailableError } from './transient-error.js';

/**
 * A consumer whose `consume` yields the given sequences, then either ends (`'ends'`) or waits until stopped
 * (`'waits'`: a read whose consumer stopped delivering); records whether it was stopped and deleted.
 */
function fakeNats(seqs: number[], after: 'ends' | 'waits') {
  const state = { stopped: false, deleted: false };
  let wake: () => void = () => undefined;
  const messages = {
    stop: () => {
      state.stopped = true;
      wake();
    },
    async *[Symbol.asyncIterator]() {
      for (const seq of seqs) yield { seq } as JsMsg;
      if (after === 'waits' && !state.stopped) await new Promise<void>((resolve) => (wake = resolve));
    },
  };
  const consumer = {
    consume: async () => messages,
    delete: async () => {
      state.deleted = true;
      return true;
    },
  };
  const nats = { js: { consumers: { get: async () => consumer } }, subjects: { streams: { events: 'T_EVENTS' } } };
  return { nats: nats as unknown as NatsContext, state };
}

describe('an ordered read up to a sequence', () => {
  it('hands over every message up to the sequence and deletes its consumer', async () => {
    const { nats, state } = fakeNats([3, 5, 8, 9], 'waits');
    const seen: number[] = [];
    await readOrderedUntil(nats, {}, 8, (message) => seen.push(message.seq));
    expect(seen).toEqual([3, 5, 8]);
    expect(state).toEqual({ stopped: true, deleted: true });
  });

  it('fails as NATS unavailable when delivery stops before the sequence, instead of waiting forever', async () => {
    const { nats, state } = fakeNats([3, 5], 'waits');
    const read = readOrderedUntil(nats, {}, 8, () => undefined, 256, 50);
    await expect(read).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(state.deleted).toBe(true);
  });

  it('fails as NATS unavailable when the consumer gives up before the sequence, instead of answering part', async () => {
    const { nats } = fakeNats([3, 5], 'ends');
    await expect(readOrderedUntil(nats, {}, 8, () => undefined)).rejects.toBeInstanceOf(DependencyUnavailableError);
  });

  it('fails as NATS unavailable when its consumer cannot even be started (no meta leader), and stops a late start', async () => {
    const { nats, state } = fakeNats([3, 5, 8], 'waits');
    let release: () => void = () => undefined;
    const slow = nats.js.consumers.get.bind(nats.js.consumers);
    (nats.js.consumers as { get: unknown }).get = async (...args: Parameters<typeof slow>) => {
      await new Promise<void>((resolve) => (release = resolve));
      return slow(...args);
    };
    await expect(readOrderedUntil(nats, {}, 8, () => undefined, 256, 50)).rejects.toBeInstanceOf(
      DependencyUnavailableError,
    );
    release();
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(state).toEqual({ stopped: true, deleted: true });
  });
});
