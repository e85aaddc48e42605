import { DeliverPolicy, JetStreamApiError, type JsMsg, type StoredMsg } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/nats-core';
import type { NatsContext } from './nats-context.js';
import { pullOptions } from './pull-options.js';
import { DependencyUnavailableError } from './transient-error.js';

/** JetStream API error code: no message at or after the requested sequence. */
const NO_MESSAGE_FOUND = 10037;
/** Past a failed consumer, at most this many messages are read one request each from the stream's leader. */
const LEADER_READ_MAX = 20_000;

/**
 * One message of an ordered read: delivered by the read's consumer or, when that consumer failed, got from the
 * stream's leader (`readThroughLeader`).
 */
export interface ReadMessage {
  seq: number;
  subject: string;
  headers: MsgHdrs | undefined;
  json<T = unknown>(): T;
  /** When the stream stored it (ms epoch). */
  storedAt: number;
}

function fromConsumer(message: JsMsg): ReadMessage {
  return {
    seq: message.seq,
    subject: message.subject,
    headers: message.headers,
    json: <T>() => message.json<T>(),
    storedAt: message.info.timestampNanos / 1e6,
  };
}

function fromLeader(message: StoredMsg): ReadMessage {
  return {
    seq: message.seq,
    subject: message.subject,
    headers: message.header,
    json: <T>() => message.json<T>(),
    storedAt: message.time.getTime(),
  };
}

/** An ordered read that gets no message for this long has stopped (it waits through the 2 s pull expiries). */
const ORDERED_READ_IDLE_MS = 5000;

/** The header every event's id travels in (JetStream de-duplicates on it within the duplicate window). */
export const MSG_ID_HEADER = 'Nats-Msg-Id';

/**
 * The messages of an ordered read on `<PREFIX>_EVENTS` (consumer `options`) up to and including `lastSeq`, each
 * handed to `take`; the consumer is deleted afterwards. Every message the filter matches up to `lastSeq` arrives
 * (the stream denies deletes). Never stop on `info.pending === 0`: nats-server 2.9.10 reports too few pending
 * messages for a consumer started in the middle of a stream of many subjects, and a scan that ends early lets an
 * effect be appended twice.
 *
 * When the consumer does not get there (not started within `idleMs`, silent for `idleMs`, or given up), the rest is
 * read from the stream's leader, one `STREAM.MSG.GET` (`next_by_subj`) per message, from after the last message
 * delivered. Before 2.12 the server may place the read's R1 consumer on any replica of an R3 stream (nats-server
 * pull request 7165); after a node loss the drills saw a run executor's reads, retried every 5 s for over a minute,
 * deliver nothing there while the leader held every message. Only when that fails too does the read fail like an
 * outage (`DependencyUnavailableError`: the caller retries from its checkpoint).
 */
export async function readOrderedUntil(
  nats: NatsContext,
  options: Record<string, unknown>,
  lastSeq: number,
  take: (message: ReadMessage) => void,
  batch = 256,
  idleMs = ORDERED_READ_IDLE_MS,
): Promise<void> {
  if (lastSeq <= 0) return;
  let seen = 0;
  const through = (message: ReadMessage): boolean => {
    take(message);
    seen = message.seq;
    return message.seq >= lastSeq;
  };
  const failure = await readThroughConsumer(nats, options, batch, idleMs, lastSeq, (message) =>
    through(fromConsumer(message)),
  );
  if (failure === null) return;
  const from = seen > 0 ? seen + 1 : startSequenceOf(options);
  const filter = options.filter_subjects;
  if (from === undefined || typeof filter !== 'string') throw failure;
  const reached = await readThroughLeader(nats, filter, from, (message) => through(fromLeader(message))).catch(
    () => false,
  );
  if (!reached) throw failure;
}

/** `take` until it says the read is done (null), or the failure that stopped the consumer first. */
async function readThroughConsumer(
  nats: NatsContext,
  options: Record<string, unknown>,
  batch: number,
  idleMs: number,
  lastSeq: number,
  take: (message: JsMsg) => boolean,
): Promise<DependencyUnavailableError | null> {
  let started: Awaited<ReturnType<typeof startOrderedRead>>;
  try {
    started = await startOrderedRead(nats, options, batch, idleMs);
  } catch (error) {
    if (error instanceof DependencyUnavailableError) return error;
    throw error;
  }
  const { consumer, messages } = started;
  // `consume` never ends by itself, and after a lost node it may stop delivering for good (its consumer recreated
  // elsewhere) or end early (it gives up recreating it): either way the consumer's part of the read ends.
  let idle: NodeJS.Timeout | undefined;
  const watch = () => {
    clearTimeout(idle);
    idle = setTimeout(() => messages.stop(), idleMs);
  };
  try {
    watch();
    for await (const message of messages) {
      watch();
      if (take(message)) return null;
    }
  } finally {
    clearTimeout(idle);
    messages.stop();
    await consumer.delete().catch(() => undefined);
  }
  return new DependencyUnavailableError('nats', `an ordered read ended before sequence ${lastSeq} of the stream`);
}

/**
 * Messages on `filter` from stream sequence `from`, each got from the stream's leader (`STREAM.MSG.GET`, never a
 * replica's copy), handed to `take` until it says done (true); false when the stream holds no further message on
 * `filter` or after `LEADER_READ_MAX` messages.
 */
async function readThroughLeader(
  nats: NatsContext,
  filter: string,
  from: number,
  take: (message: StoredMsg) => boolean,
): Promise<boolean> {
  let next = from;
  for (let read = 0; read < LEADER_READ_MAX; read += 1) {
    let message: StoredMsg | null;
    try {
      message = await nats.jsm.streams.getMessage(nats.subjects.streams.events, {
        next_by_subj: filter,
        seq: next,
      } as unknown as { seq: number });
    } catch (error) {
      if (error instanceof JetStreamApiError && error.code === NO_MESSAGE_FOUND) return false;
      throw error;
    }
    if (!message) return false;
    if (take(message)) return true;
    next = message.seq + 1;
  }
  return false;
}

function startSequenceOf(options: Record<string, unknown>): number | undefined {
  return options.deliver_policy === DeliverPolicy.StartSequence && typeof options.opt_start_seq === 'number'
    ? options.opt_start_seq
    : undefined;
}

/**
 * The read's consumer and its message iterator, or a `DependencyUnavailableError` when they are not there within
 * `idleMs`: while the JetStream meta group has no leader (a killed node, a loaded machine) the consumer's creation can
 * wait without end, and the bound on a silent read (above) starts only once messages are being consumed. A start that
 * comes after the deadline is stopped and its consumer deleted.
 */
async function startOrderedRead(nats: NatsContext, options: Record<string, unknown>, batch: number, idleMs: number) {
  const starting = (async () => {
    const consumer = await nats.js.consumers.get(nats.subjects.streams.events, options);
    return { consumer, messages: await consumer.consume(pullOptions(batch, 2000)) };
  })();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DependencyUnavailableError('nats', `an ordered read did not start within ${idleMs} ms`)),
      idleMs,
    );
  });
  try {
    return await Promise.race([starting, late]);
  } catch (error) {
    starting.then(
      ({ consumer, messages }) => {
        messages.stop();
        consumer.delete().catch(() => undefined);
      },
      () => undefined,
    );
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** `Nats-Msg-Id`s of an ordered, headers-only read that stops at `lastSeq`. */
export async function scanIds(
  nats: NatsContext,
  options: Record<string, unknown>,
  lastSeq: number,
): Promise<Set<string>> {
  const ids = new Set<string>();
  await readOrderedUntil(
    nats,
    { ...options, headers_only: true },
    lastSeq,
    (message) => {
      const id = message.headers?.get(MSG_ID_HEADER);
      if (id) ids.add(id);
    },
    4096,
  );
  return ids;
}
