import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiQueryFrom } from '../assets/api-docs.js';
import { CurrentActor, RequireScope } from '../auth/auth.guard.js';
import type { Actor } from '../auth/operator-tokens.js';
import { SchemaPipe } from '../http/schema.pipe.js';
import { WebhookService } from './webhook.service.js';
import {
  deliveriesQuerySchema,
  deliveriesResponseSchema,
  registerWebhookBodySchema,
  webhookCreatedResponseSchema,
  webhookListResponseSchema,
  type DeliveriesQuery,
  type RegisterWebhookBody,
} from './webhooks.http-schemas.js';

/** Change notifications (DESIGN §14); every endpoint needs `workflows:write` (URLs and deliveries are operators'). */
@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('webhooks')
export class WebhooksController {
  constructor(@Inject(WebhookService) private readonly webhooks: WebhookService) {}

  @Post()
  @HttpCode(201)
  @RequireScope('workflows:write')
  @ApiOperation({ summary: 'Register a webhook; answers its signing secret (whsec_…) once' })
  @ApiBody({ schema: registerWebhookBodySchema as object })
  @ApiCreatedResponse({ schema: webhookCreatedResponseSchema })
  async register(
    @Body(new SchemaPipe(registerWebhookBodySchema)) body: RegisterWebhookBody,
    @CurrentActor() actor: Actor,
  ) {
    return { data: await this.webhooks.register(body, actor.subject) };
  }

  @Get()
  @RequireScope('workflows:write')
  @ApiOperation({ summary: 'Registered webhooks (without secrets)' })
  @ApiOkResponse({ schema: webhookListResponseSchema })
  async list() {
    return { data: await this.webhooks.list() };
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireScope('workflows:write')
  @ApiOperation({ summary: 'Delete a webhook: nothing more is sent to it' })
  @ApiNoContentResponse()
  async remove(@Param('id') id: string): Promise<void> {
    await this.webhooks.remove(id);
  }

  @Get(':id/deliveries')
  @RequireScope('workflows:write')
  @ApiOperation({ summary: "A webhook's deliveries, newest event first: status, attempts, last answer or error" })
  @ApiQueryFrom(deliveriesQuerySchema)
  @ApiOkResponse({ schema: deliveriesResponseSchema })
  async deliveries(
    @Param('id') id: string,
    @Query(new SchemaPipe(deliveriesQuerySchema, 'query')) query: DeliveriesQuery,
  ) {
    return this.webhooks.deliveries(id, query);
  }
}
