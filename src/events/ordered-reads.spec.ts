import { DeliverPolicy, type JsMsg, type StoredMsg } from '@nats-io/jetstream';
import type { NatsContext } from './nats-context.js';
import { readOrderedUntil } from './ordered-reads.js';
import { DependencyUnavailableError } from './transient-error.js';

const consumerMessage = (seq: number) =>
  ({
    seq,
    subject: 'T.e',
    headers: undefined,
    json: () => ({ seq }),
    info: { timestampNanos: seq * 1e6 },
  }) as unknown as JsMsg;

/**
 * A consumer whose `consume` yields the given sequences, then either ends (`'ends'`) or waits until stopped
 * (`'waits'`: a read whose consumer stopped delivering); records whether it was stopped and deleted. The stream's
 * leader (`STREAM.MSG.GET`) holds `leaderSeqs` and records each `next_by_subj` request.
 */
function fakeNats(seqs: number[], after: 'ends' | 'waits', leaderSeqs: number[] = []) {
  const state = { stopped: false, deleted: false, leaderGets: [] as Array<{ next_by_subj: string; seq: number }> };
  let wake: () => void = () => undefined;
  const messages = {
    stop: () => {
      state.stopped = true;
      wake();
    },
    async *[Symbol.asyncIterator]() {
      for (const seq of seqs) yield consumerMessage(seq);
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
  const getMessage = async (_stream: string, query: { next_by_subj: string; seq: number }) => {
    state.leaderGets.push(query);
    const seq = leaderSeqs.find((candidate) => candidate >= query.seq);
    if (seq === undefined) return null;
    return {
      seq,
      subject: 'T.e',
      header: undefined,
      json: () => ({ seq }),
      time: new Date(seq),
    } as unknown as StoredMsg;
  };
  const nats = {
    js: { consumers: { get: async () => consumer } },
    jsm: { streams: { getMessage } },
    subjects: { streams: { events: 'T_EVENTS' } },
  };
  return { nats: nats as unknown as NatsContext, state };
}

describe('an ordered read up to a sequence', () => {
  it('hands over every message up to the sequence and deletes its consumer', async () => {
    const { nats, state } = fakeNats([3, 5, 8, 9], 'waits');
    const seen: number[] = [];
    await readOrderedUntil(nats, {}, 8, (message) => seen.push(message.seq));
    expect(seen).toEqual([3, 5, 8]);
    expect(state).toMatchObject({ stopped: true, deleted: true });
  });

  it('fails as NATS unavailable when delivery stops before the sequence, instead of waiting forever', async () => {
    const { nats, state } = fakeNats([3, 5], 'waits');
    const read = readOrderedUntil(nats, {}, 8, () => undefined, 256, 50);
    await expect(read).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(state.deleted).toBe(true);
  });

  it('reads the rest from the stream leader, one message at a time, when the consumer stops before the sequence', async () => {
    const { nats, state } = fakeNats([3, 5], 'waits', [3, 5, 6, 8, 9]);
    const seen: Array<[number, number]> = [];
    const options = { filter_subjects: 'T.e', deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: 2 };
    await readOrderedUntil(nats, options, 8, (message) => seen.push([message.seq, message.storedAt]), 256, 50);
    // The consumer's two, then the leader's from after the last delivered, up to the sequence and not beyond.
    expect(seen.map(([seq]) => seq)).toEqual([3, 5, 6, 8]);
    expect(seen[2]![1]).toBe(6);
    expect(state.leaderGets).toEqual([
      { next_by_subj: 'T.e', seq: 6 },
      { next_by_subj: 'T.e', seq: 7 },
    ]);
    expect(state.deleted).toBe(true);
  });

  it('starts the leader read at the start sequence when the consumer delivered nothing', async () => {
    const { nats, state } = fakeNats([], 'ends', [4, 8]);
    const seen: number[] = [];
    const options = { filter_subjects: 'T.e', deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: 2 };
    await readOrderedUntil(nats, options, 8, (message) => seen.push(message.seq));
    expect(seen).toEqual([4, 8]);
    expect(state.leaderGets[0]).toEqual({ next_by_subj: 'T.e', seq: 2 });
  });

  it('still fails as NATS unavailable when the leader has no message up to the sequence either', async () => {
    const { nats } = fakeNats([3], 'ends', [3, 5]);
    const options = { filter_subjects: 'T.e', deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: 2 };
    await expect(readOrderedUntil(nats, options, 8, () => undefined)).rejects.toThrow(
      'an ordered read ended before sequence 8 of the stream',
    );
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
    expect(state).toMatchObject({ stopped: true, deleted: true });
  });
});
