import type { JsMsg } from '@nats-io/jetstream';

const LINGER = Symbol('linger');

/**
 * Groups delivered messages into batches. A batch closes when it is full or when its first message has waited
 * `lingerMs`: under load batches fill up (one transaction for many events), when idle an event waits at most
 * `lingerMs` before it is applied.
 */
export async function* messageBatches(
  messages: AsyncIterable<JsMsg>,
  batchSize: number,
  lingerMs: number,
  closeWhenIdle = false,
): AsyncGenerator<JsMsg[]> {
  const iterator = messages[Symbol.asyncIterator]();
  let next = iterator.next();
  let buffer: JsMsg[] = [];
  let openedAt = 0;
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
    if (buffer.length === 0) {
      openedAt = Date.now();
      linger = delay(lingerMs);
    }
    buffer.push(result.value);
    // `closeWhenIdle`: stop filling as soon as the client holds no further delivered message (no idle linger).
    const idle = closeWhenIdle && clientPending(messages) === 0;
    if (buffer.length < batchSize && Date.now() - openedAt < lingerMs && !idle) continue;
    yield buffer;
    buffer = [];
    linger = null;
  }
  if (buffer.length > 0) yield buffer;
}

/** Messages delivered to the client and not yet taken from the iterator (0 when the iterable cannot tell). */
function clientPending(messages: AsyncIterable<JsMsg>): number {
  const count = (messages as { getPending?: () => number }).getPending;
  return typeof count === 'function' ? count.call(messages) : 0;
}

function delay(ms: number): Promise<typeof LINGER> {
  return new Promise((resolve) => setTimeout(() => resolve(LINGER), Math.max(0, ms)));
}
