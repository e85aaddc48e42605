import type { JsMsg, StoredMsg } from '@nats-io/jetstream';
import { checkedWithLeader, fillGaps, leaderMessage, MAX_GAP_FILL, readRange } from './replica-gaps.js';
import { DependencyUnavailableError } from './transient-error.js';

const delivered = (seq: number) => ({ seq, from: 'replica' }) as unknown as JsMsg;
const leaders = (held: number[]) => {
  const asked: number[] = [];
  const get = async (seq: number) => {
    asked.push(seq);
    return held.includes(seq) ? ({ seq, from: 'leader' } as unknown as JsMsg) : null;
  };
  return { get, asked };
};
const shape = (messages: JsMsg[]) => messages.map((m) => `${m.seq}:${(m as unknown as { from: string }).from}`);

describe('filling the sequences a replica lacks', () => {
  it('passes a contiguous batch through without asking the leader', async () => {
    const { get, asked } = leaders([]);
    const { messages, gaps } = await fillGaps([delivered(11), delivered(12), delivered(13)], 10, get);
    expect(shape(messages)).toEqual(['11:replica', '12:replica', '13:replica']);
    expect(gaps).toEqual([]);
    expect(asked).toEqual([]);
  });

  it('puts what the leader holds in place of each missing sequence, before and inside the batch', async () => {
    const { get, asked } = leaders([11, 12, 14]);
    const { messages, gaps } = await fillGaps([delivered(13), delivered(15)], 10, get);
    expect(shape(messages)).toEqual(['11:leader', '12:leader', '13:replica', '14:leader', '15:replica']);
    expect(gaps).toEqual([
      { from: 11, to: 12, filled: 2 },
      { from: 14, to: 14, filled: 1 },
    ]);
    expect(asked).toEqual([11, 12, 14]);
  });

  it('leaves out a sequence the leader does not hold either, and reports it unfilled', async () => {
    const { get } = leaders([]);
    const { messages, gaps } = await fillGaps([delivered(12)], 10, get);
    expect(shape(messages)).toEqual(['12:replica']);
    expect(gaps).toEqual([{ from: 11, to: 11, filled: 0 }]);
  });

  it('fails as NATS unavailable on a hole too large to fill one message at a time', async () => {
    const { get, asked } = leaders([]);
    await expect(fillGaps([delivered(10 + MAX_GAP_FILL + 2)], 10, get)).rejects.toBeInstanceOf(
      DependencyUnavailableError,
    );
    expect(asked).toEqual([]);
  });
});

describe('a leader copy', () => {
  it('reads as a delivered message: sequence, subject, headers, body, stream time', async () => {
    const stored = {
      seq: 7,
      subject: 'p.e',
      header: undefined,
      data: new Uint8Array(),
      time: new Date(1_700_000_000_123),
      json: () => ({ id: 'e7' }),
      string: () => '{"id":"e7"}',
    } as unknown as StoredMsg;
    const copy = (await leaderMessage(async () => stored, 7))!;
    expect(copy.seq).toBe(7);
    expect(copy.subject).toBe('p.e');
    expect(copy.json()).toEqual({ id: 'e7' });
    expect(copy.string()).toBe('{"id":"e7"}');
    expect(copy.info.timestampNanos / 1e6).toBe(1_700_000_000_123);
    expect(await leaderMessage(async () => null, 8)).toBeNull();
  });
});

describe('a batch checked against the leader (replicated streams)', () => {
  const message = (seq: number, id: string, from: string) =>
    ({
      seq,
      subject: 'p.e',
      data: new Uint8Array(3),
      headers: { get: (name: string) => (name === 'Nats-Msg-Id' ? id : undefined) },
      from,
    }) as unknown as JsMsg;

  it("keeps a batch whose last message is the leader's, asking only for that one", async () => {
    const asked: number[] = [];
    const batch = [message(11, 'a', 'replica'), message(12, 'b', 'replica')];
    const checked = await checkedWithLeader(batch, 10, async (seq) => {
      asked.push(seq);
      return message(seq, seq === 12 ? 'b' : '?', 'leader');
    });
    expect(checked.differed).toBe(false);
    expect(shape(checked.messages)).toEqual(['11:replica', '12:replica']);
    expect(asked).toEqual([12]);
  });

  it("reads the whole batch from the leader when its last message is not the leader's", async () => {
    const held: Record<number, string> = { 11: 'a', 12: 'x', 13: 'y' };
    const batch = [message(11, 'a', 'replica'), message(12, 'stale', 'replica'), message(13, 'stale2', 'replica')];
    const checked = await checkedWithLeader(batch, 10, async (seq) => message(seq, held[seq]!, 'leader'));
    expect(checked.differed).toBe(true);
    expect(shape(checked.messages)).toEqual(['11:leader', '12:leader', '13:leader']);
    expect(checked.messages.map((m) => m.headers?.get('Nats-Msg-Id'))).toEqual(['a', 'x', 'y']);
  });
});

describe('reading a range from the leader', () => {
  const copyOf = (seq: number, id: string, from: string) =>
    ({
      seq,
      from,
      subject: 'p.e',
      data: new Uint8Array(3),
      headers: { get: (name: string) => (name === 'Nats-Msg-Id' ? id : undefined) },
    }) as unknown as JsMsg;
  const slowLeader = (held: (seq: number) => boolean, failAt?: number) => {
    let inFlight = 0;
    let most = 0;
    const asked: number[] = [];
    const get = async (seq: number) => {
      asked.push(seq);
      inFlight += 1;
      most = Math.max(most, inFlight);
      // Later sequences answer sooner: the order of the answers is not the order of the stream.
      await new Promise((resolve) => setTimeout(resolve, (seq * 7) % 5));
      inFlight -= 1;
      if (seq === failAt) throw new DependencyUnavailableError('nats', `no answer for ${seq}`);
      return held(seq) ? copyOf(seq, `leader-${seq}`, 'leader') : null;
    };
    return { get, asked, most: () => most, inFlight: () => inFlight };
  };

  it('keeps at most the bound in flight and returns what the leader holds in sequence order', async () => {
    const leader = slowLeader((seq) => seq % 10 !== 0);
    const copies = await readRange(1, 200, leader.get, 16);
    expect(copies.map((m) => m.seq)).toEqual(
      Array.from({ length: 200 }, (_, i) => i + 1).filter((seq) => seq % 10 !== 0),
    );
    expect(leader.most()).toBe(16);
    expect([...leader.asked].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it('asks nothing for an empty range', async () => {
    const leader = slowLeader(() => true);
    expect(await readRange(5, 4, leader.get)).toEqual([]);
    expect(leader.asked).toEqual([]);
  });

  it('rethrows a failure only once every request in flight has settled, and starts no more after it', async () => {
    const leader = slowLeader(() => true, 20);
    await expect(readRange(1, 500, leader.get, 8)).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(leader.inFlight()).toBe(0);
    expect(leader.asked.length).toBeLessThan(40);
  });

  it('reads a whole differing batch concurrently, the leader’s last copy reused', async () => {
    const leader = slowLeader(() => true);
    const batch = Array.from({ length: 50 }, (_, i) => copyOf(101 + i, `stale-${101 + i}`, 'replica'));
    const checked = await checkedWithLeader(batch, 100, leader.get);
    expect(checked.differed).toBe(true);
    expect(shape(checked.messages)).toEqual(Array.from({ length: 50 }, (_, i) => `${101 + i}:leader`));
    // The last sequence was asked once (for the comparison), every other one once.
    expect([...leader.asked].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => 101 + i));
    expect(leader.most()).toBeGreaterThan(1);
  });
});
