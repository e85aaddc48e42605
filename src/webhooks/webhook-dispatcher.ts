import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../projections/database.js';
import type { ServiceUrlPolicy } from '../jobs/service-url-policy.js';
import { sendWebhook, WEBHOOK_SEND_TIMEOUT_MS } from './webhook-sender.js';
import { claimDueDeliveries, recordAttempt, releaseClaims, type ClaimedDelivery } from './webhooks.store.js';

export interface DispatcherOptions {
  db: Kysely<Database>;
  log: Logger;
  policy: ServiceUrlPolicy;
  retryBaseMs: number;
  retryMaxMs: number;
  maxAttempts: number;
  /** How often due deliveries are looked for when nothing wakes the dispatcher (retries come due). */
  pollMs?: number;
  batchSize?: number;
}

/** The delay before attempt n + 1 after n failed ones: `min(max, base·2^(n−1))`. */
export function retryDelayMs(failedAttempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, failedAttempts - 1));
}

/**
 * Sends the outbox (DESIGN §14) outside any transaction: claims due heads of webhook × asset queues, sends them
 * (different assets at once, one asset strictly in stream order), then records each outcome — delivered, retried
 * with exponential backoff, or dead after `maxAttempts` (`npm run webhooks -- replay` revives it). A crash between
 * send and record sends again once the claim lapses: at least once, with the same `webhook-id`.
 */
export class WebhookDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(private readonly options: DispatcherOptions) {}

  start(): void {
    this.schedule(0);
  }

  /** New deliveries were committed: look now. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  /** Stops looking and waits for the sends in flight to be recorded (each bounded by the send timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = null;
        if (!this.stopped) this.schedule(this.again ? 0 : (this.options.pollMs ?? 250));
        this.again = false;
      });
    }, delayMs);
  }

  private async tick(): Promise<void> {
    try {
      const claimed = await claimDueDeliveries(
        this.options.db,
        this.options.batchSize ?? 50,
        WEBHOOK_SEND_TIMEOUT_MS + 5000,
      );
      if (claimed.length === 0) return;
      const outcomes = await Promise.allSettled(claimed.map((delivery) => this.deliver(delivery)));
      const unrecorded = claimed.filter((_, index) => outcomes[index]!.status === 'rejected');
      if (unrecorded.length > 0) {
        this.options.log.warn(
          { count: unrecorded.length },
          'webhook outcomes not recorded; retried when the claims lapse',
        );
        await releaseClaims(
          this.options.db,
          unrecorded.map((d) => d.id),
        ).catch(() => undefined);
      }
      if (claimed.length === (this.options.batchSize ?? 50)) this.again = true;
    } catch (error) {
      this.options.log.warn({ err: error }, 'webhook dispatch failed; retrying');
    }
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    const outcome = await sendWebhook(delivery, this.options.policy);
    const attempts = delivery.attempts + 1;
    const now = new Date();
    const retryAt =
      outcome.delivered || attempts >= this.options.maxAttempts
        ? null
        : new Date(now.getTime() + retryDelayMs(attempts, this.options.retryBaseMs, this.options.retryMaxMs));
    if (!outcome.delivered) {
      this.options.log.warn(
        { webhookId: delivery.webhookId, deliveryId: delivery.id, attempts, status: outcome.status, dead: !retryAt },
        retryAt ? 'webhook delivery failed; retrying' : 'webhook delivery dead after its last attempt',
      );
    }
    await recordAttempt(this.options.db, delivery.id, { ...outcome, retryAt, now });
  }
}
