import { v5 as uuidv5 } from 'uuid';
import type { StoredEvent } from '../events/envelope.js';
import { matchesAssetPattern } from './asset-pattern.js';

/** The event kinds a webhook can subscribe to, and the event type each stands for. */
export const WEBHOOK_EVENT_KINDS = {
  produced: 'asset.produced',
  expired: 'asset.expired',
  'stale-marked': 'asset.stale.marked',
  /** A failed check result (DESIGN §14); passing results are not delivered. */
  'check-failed': 'asset.check.evaluated',
} as const;

export type WebhookEventKind = keyof typeof WEBHOOK_EVENT_KINDS;

/** What the consumer needs of a registration to decide what it gets. */
export interface WebhookSubscription {
  id: string;
  assetPatterns: string[];
  eventKinds: WebhookEventKind[];
  /** Only events after this stream sequence (the end of the stream when it was registered). */
  fromSeq: number;
}

/** One message to deliver: its id (the `webhook-id` header, the same on every retry) and its exact body. */
export interface WebhookMessage {
  id: string;
  webhookId: string;
  eventId: string;
  seq: number;
  assetId: string;
  eventType: string;
  body: string;
}

const MESSAGE_NAMESPACE = 'b0f6a3c2-5d7e-4f8a-9b1c-2d3e4f5a6b7c';
const TYPES: ReadonlySet<string> = new Set(Object.values(WEBHOOK_EVENT_KINDS));

/**
 * The messages one stream event makes: one per subscription whose kinds and asset patterns match. The message id
 * derives from webhook × event, so a redelivered batch makes the same rows (and the receiver can de-duplicate).
 * The body follows Standard Webhooks: `{type, timestamp, data}`, `data` the event's data plus its id, stream
 * sequence and subject.
 */
export function messagesFor(event: StoredEvent, subscriptions: readonly WebhookSubscription[]): WebhookMessage[] {
  if (!TYPES.has(event.type)) return [];
  const data = event.data as { assetId?: unknown; passed?: unknown };
  if (event.type === WEBHOOK_EVENT_KINDS['check-failed'] && data.passed !== false) return [];
  if (typeof data.assetId !== 'string') return [];
  const assetId = data.assetId;
  const matching = subscriptions.filter(
    (s) =>
      event.seq > s.fromSeq &&
      s.eventKinds.some((kind) => WEBHOOK_EVENT_KINDS[kind] === event.type) &&
      s.assetPatterns.some((pattern) => matchesAssetPattern(pattern, assetId)),
  );
  if (matching.length === 0) return [];
  const body = JSON.stringify({
    type: event.type,
    timestamp: event.occurredAt,
    data: { ...(event.data as object), eventId: event.id, eventSeq: event.seq, subject: event.subject },
  });
  return matching.map((s) => ({
    id: `msg_${uuidv5(`${s.id}:${event.id}`, MESSAGE_NAMESPACE)}`,
    webhookId: s.id,
    eventId: event.id,
    seq: event.seq,
    assetId,
    eventType: event.type,
    body,
  }));
}
