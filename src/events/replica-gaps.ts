import { JetStreamApiError, type JsMsg, type StoredMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { NatsContext } from './nats-context.js';
import { settleAll } from './settle-all.js';
import { DependencyUnavailableError } from './transient-error.js';

/** The header each event's id travels in. */
const MSG_ID = 'Nats-Msg-Id';
/** JetStream API error code: no message at the requested sequence. */
const NO_MESSAGE_FOUND = 10037;
/** A larger hole is not filled one request per message: the batch fails and the runner subscribes again. */
export const MAX_GAP_FILL = 1000;

/** How many `STREAM.MSG.GET` requests a range read keeps in flight (one message per request before 2.11). */
export const LEADER_READS_IN_FLIGHT = 32;

/**
 * The messages at `from`..`to` as `fromLeader` gives them, in sequence order, without the ones it does not hold.
 * Up to `LEADER_READS_IN_FLIGHT` requests at once (one at a time, a whole batch read from a loaded cluster's leader
 * costs a round trip per event); no request starts after one failed, and every one started is settled before the
 * first failure is rethrown.
 */
export async function readRange(
  from: number,
  to: number,
  fromLeader: (seq: number) => Promise<JsMsg | null>,
  inFlight = LEADER_READS_IN_FLIGHT,
): Promise<JsMsg[]> {
  const count = Math.max(0, to - from + 1);
  const copies: Array<JsMsg | null> = new Array(count).fill(null);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < count && !failed) {
      const index = next++;
      try {
        copies[index] = await fromLeader(from + index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await settleAll(Array.from({ length: Math.min(inFlight, count) }, () => worker));
  return copies.filter((copy): copy is JsMsg => copy !== null);
}

/** Sequences filled from the stream's leader, for the caller's log. */
export interface FilledGap {
  from: number;
  to: number;
  filled: number;
}

/**
 * The events stream holds every sequence from 1 (every subject is an event subject; no limits, deletes or purges),
 * so a runner reading it from `after + 1` must see each sequence in turn. Before nats-server 2.12 its R1 consumer
 * may be served by any replica (nats-server pull request 7165), and after a node was killed and restarted the drills
 * saw a replica's copy lack messages the leader held: delivered from there, a read model skipped them and moved its
 * checkpoint past them for good. Here each missing sequence is got from the stream's leader (`STREAM.MSG.GET` by
 * sequence, `LEADER_READS_IN_FLIGHT` at a time) and put in its place; `gaps` lists what was filled. A sequence the
 * leader does not hold either is left out (nothing to apply). More than `MAX_GAP_FILL` missing: `DependencyUnavailableError` (the batch is retried from
 * the checkpoint).
 */
export async function fillGaps(
  messages: readonly JsMsg[],
  after: number,
  fromLeader: (seq: number) => Promise<JsMsg | null>,
): Promise<{ messages: JsMsg[]; gaps: FilledGap[] }> {
  let expected = after + 1;
  if (messages.every((message, i) => message.seq === expected + i)) return { messages: [...messages], gaps: [] };
  const complete: JsMsg[] = [];
  const gaps: FilledGap[] = [];
  for (const message of messages) {
    if (message.seq > expected) {
      const missing = message.seq - expected;
      if (missing > MAX_GAP_FILL)
        throw new DependencyUnavailableError(
          'nats',
          `the stream copy serving this consumer lacks sequences ${expected}-${message.seq - 1}`,
        );
      const copies = await readRange(expected, message.seq - 1, fromLeader);
      complete.push(...copies);
      gaps.push({ from: expected, to: message.seq - 1, filled: copies.length });
    }
    complete.push(message);
    expected = Math.max(expected, message.seq + 1);
  }
  return { messages: complete, gaps };
}

/** The message at `seq` as the stream's leader holds it, shaped as a delivered message; null when there is none. */
export async function leaderMessage(
  get: (seq: number) => Promise<StoredMsg | null>,
  seq: number,
): Promise<JsMsg | null> {
  let stored: StoredMsg | null;
  try {
    stored = await get(seq);
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === NO_MESSAGE_FOUND) return null;
    throw error;
  }
  if (!stored) return null;
  // What the runners read of a delivered message (ordered consumers: nothing is acknowledged).
  const copy = {
    seq: stored.seq,
    subject: stored.subject,
    headers: stored.header,
    data: stored.data,
    json: <T>() => stored.json<T>(),
    string: () => stored.string(),
    info: { timestampNanos: stored.time.getTime() * 1e6, streamSequence: stored.seq },
  };
  return copy as unknown as JsMsg;
}

/** Whether two copies of one stream sequence are the same message (subject, event id, body size). */
export function sameMessage(a: JsMsg, b: JsMsg): boolean {
  return (
    a.subject === b.subject &&
    (a.headers?.get(MSG_ID) ?? '') === (b.headers?.get(MSG_ID) ?? '') &&
    a.data.length === b.data.length
  );
}

/**
 * On a replicated stream, the batch's last message as the leader holds it. When it differs (or the leader has none),
 * the delivered copy is not the stream's — a resumed replica that kept messages the others never took, drilled
 * after a stopped leader on nats-server 2.9.10 — and the whole batch is read from the leader instead, one request
 * per sequence, `LEADER_READS_IN_FLIGHT` at a time (`MAX_GAP_FILL` at most, else `DependencyUnavailableError`).
 * `differed` says whether it did.
 */
export async function checkedWithLeader(
  messages: readonly JsMsg[],
  after: number,
  fromLeader: (seq: number) => Promise<JsMsg | null>,
): Promise<{ messages: JsMsg[]; differed: boolean }> {
  const last = messages[messages.length - 1];
  if (!last) return { messages: [], differed: false };
  const leaders = await fromLeader(last.seq);
  if (leaders && sameMessage(last, leaders)) return { messages: [...messages], differed: false };
  if (last.seq - after > MAX_GAP_FILL)
    throw new DependencyUnavailableError(
      'nats',
      `the stream copy serving this consumer differs at sequence ${last.seq}`,
    );
  const copies = await readRange(after + 1, last.seq - 1, fromLeader);
  if (leaders) copies.push(leaders);
  return { messages: copies, differed: true };
}

/**
 * A runner's batch as the stream's leader holds it: any sequence the delivered copy lacks got from the leader
 * (`fillGaps`), and with `compareLast` (a replicated stream) the last message compared with the leader's, the whole
 * batch read from the leader when they differ (`checkedWithLeader`). Each is logged when it happens.
 */
export async function asTheLeaderHolds(
  delivered: readonly JsMsg[],
  after: number,
  options: { nats: NatsContext; compareLast: boolean; log: Logger },
): Promise<JsMsg[]> {
  const { nats, compareLast, log } = options;
  const fromLeader = (seq: number) =>
    leaderMessage((at) => nats.jsm.streams.getMessage(nats.subjects.streams.events, { seq: at }), seq);
  const { messages, gaps } = await fillGaps(delivered, after, fromLeader);
  if (gaps.length > 0)
    log.warn({ gaps, position: after }, 'sequences missing from the delivered copy; read from the leader');
  if (!compareLast) return messages;
  const checked = await checkedWithLeader(messages, after, fromLeader);
  if (checked.differed)
    log.warn(
      { from: after + 1, to: messages[messages.length - 1]!.seq },
      "the delivered copy differs from the leader's; batch read from the leader",
    );
  return checked.messages;
}
