import type { Transaction } from 'kysely';
import type { Database } from '../../projections/database.js';
import type { BatchHandler } from '../events/consumer-runner.js';
import type { StoredEvent } from '../events/envelope.js';
import { messagesFor, WEBHOOK_EVENT_KINDS } from './webhook-message.js';
import { activeSubscriptions, insertDeliveries } from './webhooks.store.js';

/** The consumer name: checkpoint row, lease key, lag metric. */
export const WEBHOOK_CONSUMER = 'webhooks';

const TYPES: ReadonlySet<string> = new Set(Object.values(WEBHOOK_EVENT_KINDS));

/**
 * Turns stream events into webhook deliveries (DESIGN §14): a `BatchHandler` with its own checkpoint that only
 * writes the outbox rows, in the transaction that moves its checkpoint — nothing is sent here, so no HTTP call
 * ever runs inside a transaction, and a batch applied twice makes the same rows (message ids derive from webhook ×
 * event). The dispatcher sends them.
 */
export class WebhookConsumer implements BatchHandler {
  readonly name = WEBHOOK_CONSUMER;

  constructor(private readonly onDeliveries: () => void = () => {}) {}

  async handle(events: readonly StoredEvent[], tx: Transaction<Database>): Promise<void> {
    const relevant = events.filter((event) => TYPES.has(event.type));
    if (relevant.length === 0) return;
    const subscriptions = await activeSubscriptions(tx);
    if (subscriptions.length === 0) return;
    const messages = relevant.flatMap((event) => messagesFor(event, subscriptions));
    await insertDeliveries(tx, messages, new Date());
  }

  afterCommit(events: readonly StoredEvent[]): void {
    if (events.some((event) => TYPES.has(event.type))) this.onDeliveries();
  }
}
