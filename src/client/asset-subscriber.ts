import { DeliverPolicy, jetstream, type ConsumerMessages } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { AssetExpired, AssetProduced } from '../assets/asset.events.js';
import type { EventEnvelope } from '../events/envelope.js';

/** The asset facts another service usually follows. */
export type AssetFact = 'produced' | 'expired';

/** One delivered asset event with its position in the stream (resume from `seq + 1`). */
export type AssetEvent =
  | (EventEnvelope<'asset.produced', AssetProduced> & { seq: number; subject: string })
  | (EventEnvelope<'asset.expired', AssetExpired> & { seq: number; subject: string });

export interface SubscribeOptions {
  /** An open NATS connection (`connect()` from `@nats-io/transport-node`). */
  nc: NatsConnection;
  /** The deployment's subject prefix (`APPHUB_SUBJECT_PREFIX`, default `apphub`). */
  prefix?: string;
  /** One asset id (`retail.sales.parquet`), a family (`retail.>`, `retail.*.parquet`) or everything (`>`). */
  assets: string;
  /** Which facts; default both. */
  facts?: AssetFact[];
  /** `'now'` (default): only new events; `'start'`: the whole history; `{ seq }`: from a stream sequence. */
  from?: 'now' | 'start' | { seq: number };
}

const ASSET_PATTERN = /^(>|([A-Za-z0-9_:-]+|\*)(\.([A-Za-z0-9_:-]+|\*))*(\.>)?)$/;

/**
 * Follows `asset.produced` / `asset.expired` events of one asset, a family or all, in stream order, through an
 * ordered consumer (no durable state on the server; keep the last `seq` yourself to resume).
 *
 * ```ts
 * const nc = await connect({ servers: 'nats://127.0.0.1:4222' });
 * for await (const event of subscribeToAssets({ nc, assets: 'retail.>', facts: ['produced'] })) {
 *   console.log(event.data.assetId, event.data.partitionKey, event.seq);
 * }
 * ```
 */
export async function* subscribeToAssets(options: SubscribeOptions): AsyncGenerator<AssetEvent, void, undefined> {
  if (!ASSET_PATTERN.test(options.assets)) throw new Error(`invalid asset pattern "${options.assets}"`);
  const prefix = options.prefix ?? 'apphub';
  const facts = options.facts ?? ['produced', 'expired'];
  const kindToken = facts.length === 1 ? facts[0]! : '*';
  const stream = `${prefix.toUpperCase().replace(/-/g, '_')}_EVENTS`;
  const from = options.from ?? 'now';
  const consumer = await jetstream(options.nc).consumers.get(stream, {
    filter_subjects: `${prefix}.asset.${kindToken}.${options.assets}`,
    ...(from === 'now'
      ? { deliver_policy: DeliverPolicy.New }
      : from === 'start'
        ? { deliver_policy: DeliverPolicy.All }
        : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from.seq }),
  });
  // A short idle heartbeat: nats-server 2.9 now and then drops the 408 that ends an expired pull request, and the
  // client only pulls again after two missed heartbeats (by default half the expiry each).
  const messages: ConsumerMessages = await consumer.consume({
    max_messages: 256,
    expires: 30_000,
    idle_heartbeat: 500,
  });
  const wanted = new Set(facts.map((fact) => `asset.${fact}`));
  try {
    for await (const message of messages) {
      const envelope = message.json<EventEnvelope>();
      if (!wanted.has(envelope.type)) continue;
      yield { ...(envelope as AssetEvent), seq: message.seq, subject: message.subject };
    }
  } finally {
    messages.stop();
  }
}
