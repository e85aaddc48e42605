import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../projections/database.js';
import type { BatchHandler } from '../events/consumer-runner.js';
import { checkpointStatement, type CheckpointMove } from '../events/consumer-store/index.js';
import type { StoredEvent } from '../events/envelope.js';
import { messagesFor, WEBHOOK_EVENT_KINDS, type WebhookMessage } from './webhook-message.js';
import { activeSubscriptions, insertDeliveries, insertDeliveriesStatement } from './webhooks.store.js';

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
  /** The batch being applied made deliveries: the dispatcher is woken once it commits. */
  private madeDeliveries = false;

  constructor(private readonly onDeliveries: () => void = () => {}) {}

  async handle(events: readonly StoredEvent[], tx: Transaction<Database>): Promise<void> {
    const messages = await this.messages(events, tx);
    await insertDeliveries(tx, messages, new Date());
  }

  /**
   * The batch in at most two statements and no transaction block: the subscriptions (only when the batch has an
   * event a webhook can get), then the deliveries as a CTE of the statement that moves the checkpoint (it was
   * `begin`, the read, the insert, the checkpoint, `commit`: five round trips for every batch, also with no webhook
   * at all).
   */
  async applyAtOnce(events: readonly StoredEvent[], db: Kysely<Database>, move: CheckpointMove): Promise<boolean> {
    const messages = await this.messages(events, db);
    const writes = messages.length > 0 ? [insertDeliveriesStatement(messages, new Date())] : [];
    await checkpointStatement(move, { writes, raise: true }).execute(db);
    return true;
  }

  /** Wakes the dispatcher only when the batch made deliveries (not for every asset event while nobody listens). */
  afterCommit(): void {
    if (!this.madeDeliveries) return;
    this.madeDeliveries = false;
    this.onDeliveries();
  }

  private async messages(events: readonly StoredEvent[], db: Kysely<Database>): Promise<WebhookMessage[]> {
    const relevant = events.filter((event) => TYPES.has(event.type));
    if (relevant.length === 0) return [];
    const subscriptions = await activeSubscriptions(db);
    const messages = relevant.flatMap((event) => messagesFor(event, subscriptions));
    if (messages.length > 0) this.madeDeliveries = true;
    return messages;
  }
}
