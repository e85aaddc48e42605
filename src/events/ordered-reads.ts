import type { JsMsg } from '@nats-io/jetstream';
import type { NatsContext } from './nats-context.js';
import { pullOptions } from './pull-options.js';
import { DependencyUnavailableError } from './transient-error.js';

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
 */
export async function readOrderedUntil(
  nats: NatsContext,
  options: Record<string, unknown>,
  lastSeq: number,
  take: (message: JsMsg) => void,
  batch = 256,
  idleMs = ORDERED_READ_IDLE_MS,
): Promise<void> {
  const { consumer, messages } = await startOrderedRead(nats, options, batch, idleMs);
  // `consume` never ends by itself, and after a lost node it may stop delivering for good (its consumer recreated
  // elsewhere) or end early (it gives up recreating it): either way the read fails like an outage and is retried,
  // instead of holding its caller (a manager's batch) forever or answering with part of the ids.
  let idle: NodeJS.Timeout | undefined;
  const watch = () => {
    clearTimeout(idle);
    idle = setTimeout(() => messages.stop(), idleMs);
  };
  let reached = lastSeq <= 0;
  try {
    watch();
    for await (const message of messages) {
      watch();
      take(message);
      if (message.seq >= lastSeq) {
        reached = true;
        break;
      }
    }
  } finally {
    clearTimeout(idle);
    messages.stop();
    await consumer.delete().catch(() => undefined);
  }
  if (!reached)
    throw new DependencyUnavailableError('nats', `an ordered read ended before sequence ${lastSeq} of the stream`);
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
