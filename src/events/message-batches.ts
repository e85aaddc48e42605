import type { JsMsg } from '@nats-io/jetstream';

const LINGER = Symbol('linger');

const arrivals = new WeakMap<JsMsg, number>();

/** When the message reached this process (epoch ms; see `stampArrivals`), for the read-path stage timings. */
export function deliveredAt(message: JsMsg): number | undefined {
  return arrivals.get(message);
}

/**
 * Notes when each message of a pull reaches the client, before it waits in the client's queue behind the batch in
 * progress. Measurement only: it wraps the pull's internal `_push` (nats.js 3's `PullConsumerMessagesImpl`), and
 * does nothing when the iterable has none.
 */
export function stampArrivals(messages: AsyncIterable<JsMsg>): void {
  const queue = messages as unknown as { _push?: (value: unknown) => void };
  const push = queue._push;
  if (typeof push !== 'function') return;
  queue._push = function (value: unknown) {
    if (typeof value === 'object' && value !== null) arrivals.set(value as JsMsg, Date.now());
    push.call(this, value);
  };
}

/** A batch waits at most this long for one more message. */
const LINGER_MS = 10;
/** While far behind, a batch waits at most this long to fill up to `catchUpBatchSize`. */
const CATCH_UP_LINGER_MS = 200;

/** A runner's batch limits: its batch size (default 500), catch-up batching, and how much one pull asks for. */
export function batching(options: { batchSize?: number; catchUpBatchSize?: number }) {
  const batchSize = options.batchSize ?? 500;
  const catchUp = options.catchUpBatchSize
    ? { batchSize: options.catchUpBatchSize, lingerMs: CATCH_UP_LINGER_MS }
    : undefined;
  return { batchSize, lingerMs: LINGER_MS, catchUp, fetchSize: 2 * Math.max(batchSize, catchUp?.batchSize ?? 0) };
}

/** What `observeReadPath` records into (the `readPathSeconds` histogram). */
export interface ReadPathHistogram {
  observe(labels: { stage: string }, seconds: number): void;
}

/** Per event: stream timestamp → delivered, → its batch started, → committed (now). */
export function observeReadPath(
  histogram: ReadPathHistogram | undefined,
  messages: readonly JsMsg[],
  startedAt: number,
): void {
  if (!histogram) return;
  const committedAt = Date.now();
  for (const message of messages) {
    const stamped = message.info.timestampNanos / 1e6;
    const delivered = deliveredAt(message);
    if (delivered !== undefined) histogram.observe({ stage: 'delivered' }, Math.max(0, delivered - stamped) / 1000);
    histogram.observe({ stage: 'batch_started' }, Math.max(0, startedAt - stamped) / 1000);
    histogram.observe({ stage: 'committed' }, Math.max(0, committedAt - stamped) / 1000);
  }
}

/** Batch limits while the consumer is far behind the stream (catch-up, rebuild): bigger batches, longer linger. */
export interface CatchUpBatching {
  batchSize: number;
  lingerMs: number;
}

/**
 * Groups delivered messages into batches. A batch closes when it is full or when its first message has waited
 * `lingerMs`: under load batches fill up (one transaction for many events), when idle an event waits at most
 * `lingerMs` before it is applied. With `catchUp`, a batch whose messages say the server holds more for this
 * consumer (`info.pending`), or that has more than a batch already delivered, uses the catch-up limits instead:
 * far behind, a transaction carries thousands of events; at the head, batches stay small.
 */
export async function* messageBatches(
  messages: AsyncIterable<JsMsg>,
  batchSize: number,
  lingerMs: number,
  closeWhenIdle = false,
  catchUp?: CatchUpBatching,
): AsyncGenerator<JsMsg[]> {
  const iterator = messages[Symbol.asyncIterator]();
  let next = iterator.next();
  let buffer: JsMsg[] = [];
  let openedAt = 0;
  let limits = { batchSize, lingerMs };
  let linger: Promise<typeof LINGER> | null = null;
  for (;;) {
    const result = linger === null ? await next : await Promise.race([next, linger]);
    if (result === LINGER) {
      yield buffer;
      buffer = [];
      linger = null;
      continue;
    }
    if (result.done) break;
    next = iterator.next();
    const behind = catchUp !== undefined && isBehind(result.value, messages, batchSize);
    if (buffer.length === 0) {
      openedAt = Date.now();
      limits = behind ? catchUp : { batchSize, lingerMs };
      linger = delay(limits.lingerMs);
    }
    buffer.push(result.value);
    // `closeWhenIdle`: stop filling as soon as the client holds no further delivered message (no idle linger).
    const idle = closeWhenIdle && !behind && clientPending(messages) === 0;
    if (buffer.length < limits.batchSize && Date.now() - openedAt < limits.lingerMs && !idle) continue;
    yield buffer;
    buffer = [];
    linger = null;
  }
  if (buffer.length > 0) yield buffer;
}

/**
 * The consumer is far behind: the server holds more than a live batch beyond this message, or more than a batch is
 * already delivered to the client. (A few pending messages are normal at the head under steady load; treating them
 * as catch-up would make live batches linger.)
 */
function isBehind(message: JsMsg, messages: AsyncIterable<JsMsg>, batchSize: number): boolean {
  const pending = message.info?.pending ?? 0;
  return pending > batchSize || clientPending(messages) > batchSize;
}

/** Messages delivered to the client and not yet taken from the iterator (0 when the iterable cannot tell). */
function clientPending(messages: AsyncIterable<JsMsg>): number {
  const count = (messages as { getPending?: () => number }).getPending;
  return typeof count === 'function' ? count.call(messages) : 0;
}

function delay(ms: number): Promise<typeof LINGER> {
  return new Promise((resolve) => setTimeout(() => resolve(LINGER), Math.max(0, ms)));
}
