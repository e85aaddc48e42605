import { Module } from '@nestjs/common';
import { WebhookService } from './webhook.service.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksRuntime } from './webhooks.runtime.js';

/** Change notifications: registrations, the delivery consumer and dispatcher (DESIGN §14). */
@Module({ controllers: [WebhooksController], providers: [WebhookService, WebhooksRuntime] })
export class WebhooksModule {}
