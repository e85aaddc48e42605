import type { JsMsg } from '@nats-io/jetstream';
import type { NatsContext } from './nats-context.js';
import { pullOptions } from './pull-options.js';

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
): Promise<void> {
  const consumer = await nats.js.consumers.get(nats.subjects.streams.events, options);
  const messages = await consumer.consume(pullOptions(batch, 2000));
  try {
    for await (const message of messages) {
      take(message);
      if (message.seq >= lastSeq) break;
    }
  } finally {
    messages.stop();
    await consumer.delete().catch(() => undefined);
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
