import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { Database } from '../../projections/database.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DomainError, ValidationError } from '../domain/domain-error.js';
import type { EventStore } from '../events/event-store.js';
import { ServiceUrlDeniedError, ServiceUrlPolicy } from '../jobs/service-url-policy.js';
import { ConsumerRegistry } from '../projector/consumer-registry.js';
import { DB, EVENT_STORE } from '../runtime/tokens.js';
import { assetPatternProblem } from './asset-pattern.js';
import { newWebhookSecret } from './webhook-signature.js';
import { WEBHOOK_CONSUMER } from './webhook.consumer.js';
import type { DeliveriesQuery, RegisterWebhookBody } from './webhooks.http-schemas.js';
import { deleteWebhook, findWebhook, insertWebhook, listDeliveries, listWebhooks } from './webhooks.store.js';

/**
 * Webhook registrations. They live in Postgres, not in the event stream: a signing secret must never reach a
 * stream that `/events` and every subscriber can read. A new webhook gets events appended after its registration
 * (`fromSeq` = the end of the stream then).
 */
@Injectable()
export class WebhookService {
  private readonly policy: ServiceUrlPolicy;

  constructor(
    @Inject(DB) private readonly db: Kysely<Database>,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(ConsumerRegistry) private readonly consumers: ConsumerRegistry,
  ) {
    this.policy = new ServiceUrlPolicy(config.serviceUrlAllowlist);
  }

  async register(body: RegisterWebhookBody, actor: string) {
    const problems = body.assets.flatMap((pattern, index) => {
      const problem = assetPatternProblem(pattern);
      return problem ? [{ path: `/assets/${index}`, message: problem }] : [];
    });
    try {
      await this.policy.check(body.url);
    } catch (error) {
      if (!(error instanceof ServiceUrlDeniedError)) throw error;
      problems.push({ path: '/url', message: error.message });
    }
    if (problems.length > 0) {
      throw new ValidationError(
        'invalid_webhook',
        `The webhook is invalid: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`,
        problems,
      );
    }
    const webhook = {
      id: uuidv7(),
      url: body.url,
      assets: body.assets,
      events: body.events,
      description: body.description ?? null,
      fromSeq: await this.store.lastSequence(),
      createdAt: new Date().toISOString(),
      createdBy: actor,
    };
    const secret = newWebhookSecret();
    await insertWebhook(this.db, { ...webhook, secret });
    return { ...webhook, secret };
  }

  list() {
    return listWebhooks(this.db);
  }

  async remove(id: string): Promise<void> {
    if (!(await deleteWebhook(this.db, id, new Date()))) throw notFound(id);
  }

  async deliveries(id: string, query: DeliveriesQuery) {
    if (!(await findWebhook(this.db, id))) throw notFound(id);
    // Read-your-writes: the consumer has turned every event up to minSeq into deliveries.
    await this.consumers.waitFor(WEBHOOK_CONSUMER, query.minSeq);
    const rows = await listDeliveries(this.db, id, {
      limit: query.limit + 1,
      ...(query.status ? { status: query.status } : {}),
      ...(query.beforeSeq === undefined ? {} : { beforeSeq: query.beforeSeq }),
    });
    const page = rows.slice(0, query.limit);
    return { data: page, meta: { nextBeforeSeq: rows.length > query.limit ? page.at(-1)!.eventSeq : null } };
  }
}

const notFound = (id: string) => new DomainError('webhook_not_found', `No webhook "${id}".`, { webhookId: id });
