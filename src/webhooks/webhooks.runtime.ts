import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { ServiceUrlPolicy } from '../jobs/service-url-policy.js';
import { ConsumerRegistry } from '../projector/consumer-registry.js';
import type { Platform } from '../runtime/platform.js';
import { PLATFORM } from '../runtime/tokens.js';
import { WebhookConsumer } from './webhook.consumer.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';

/**
 * In a process with the `projector` role: the webhook consumer (single active through its lease, its own
 * checkpoint) and a dispatcher (any number may run: claims keep them apart).
 */
@Injectable()
export class WebhooksRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private dispatcher: WebhookDispatcher | undefined;

  constructor(
    @Inject(PLATFORM) private readonly platform: Platform,
    @Inject(ConsumerRegistry) private readonly consumers: ConsumerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    const { config, db, log } = this.platform;
    if (!config.roles.has('projector')) return;
    const dispatcher = new WebhookDispatcher({
      db,
      log: log.child({ component: 'webhooks' }),
      policy: new ServiceUrlPolicy(config.serviceUrlAllowlist),
      ...config.webhooks,
    });
    this.dispatcher = dispatcher;
    this.consumers.start(new WebhookConsumer(() => dispatcher.wake()), { batchSize: 500 });
    dispatcher.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.dispatcher?.stop();
  }
}
