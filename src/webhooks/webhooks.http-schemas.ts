import type { SchemaObject } from '@nestjs/swagger';
import { minSeqQuerySchema } from '../http/responses.js';
import { WEBHOOK_EVENT_KINDS } from './webhook-message.js';

const kinds = Object.keys(WEBHOOK_EVENT_KINDS);

/** `POST /webhooks` body. */
export const registerWebhookBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['url', 'assets', 'events'],
  properties: {
    url: {
      type: 'string',
      minLength: 1,
      maxLength: 2000,
      description: 'http(s) URL; the outbound URL policy of service steps applies (APPHUB_SERVICE_URL_ALLOWLIST).',
    },
    assets: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: { type: 'string', minLength: 1, maxLength: 200 },
      description: 'Asset id patterns in the subject wildcard syntax: `retail.>`, `*.report`, an exact id.',
    },
    events: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string', enum: kinds },
      description:
        'Event kinds: produced (asset.produced), expired (asset.expired), stale-marked (asset.stale.marked).',
    },
    description: { type: 'string', minLength: 1, maxLength: 500 },
  },
} as const;

export interface RegisterWebhookBody {
  url: string;
  assets: string[];
  events: Array<keyof typeof WEBHOOK_EVENT_KINDS>;
  description?: string;
}

export const deliveriesQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['pending', 'delivered', 'dead'] },
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 50, description: 'Page size, 1..200.' },
    beforeSeq: {
      type: 'integer',
      minimum: 1,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'Only deliveries of events before this stream sequence (the next page).',
    },
    ...minSeqQuerySchema,
  },
} as const;

export interface DeliveriesQuery {
  status?: 'pending' | 'delivered' | 'dead';
  limit: number;
  beforeSeq?: number;
  minSeq?: number;
}

const nullable = (schema: Record<string, unknown>) => ({ ...schema, nullable: true });
const instant = { type: 'string', format: 'date-time' };

const webhookSchema = {
  type: 'object',
  required: ['id', 'url', 'assets', 'events', 'description', 'fromSeq', 'createdAt', 'createdBy'],
  properties: {
    id: { type: 'string' },
    url: { type: 'string' },
    assets: { type: 'array', items: { type: 'string' } },
    events: { type: 'array', items: { type: 'string', enum: kinds } },
    description: nullable({ type: 'string' }),
    fromSeq: { type: 'integer', description: 'Events after this stream sequence are delivered.' },
    createdAt: instant,
    createdBy: { type: 'string' },
  },
};

export const webhookCreatedResponseSchema = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      ...webhookSchema,
      required: [...webhookSchema.required, 'secret'],
      properties: {
        ...webhookSchema.properties,
        secret: { type: 'string', description: 'whsec_<base64>: the HMAC key of webhook-signature, shown only here.' },
      },
    },
  },
} as SchemaObject;

export const webhookListResponseSchema = {
  type: 'object',
  required: ['data'],
  properties: { data: { type: 'array', items: webhookSchema } },
} as SchemaObject;

export const deliveriesResponseSchema = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'array',
      items: {
        type: 'object',
        required: [
          'id',
          'webhookId',
          'eventId',
          'eventSeq',
          'eventType',
          'assetId',
          'status',
          'attempts',
          'nextAttemptAt',
          'lastStatus',
          'lastError',
          'deliveredAt',
          'createdAt',
        ],
        properties: {
          id: { type: 'string', description: 'The webhook-id header (the same on every attempt).' },
          webhookId: { type: 'string' },
          eventId: { type: 'string' },
          eventSeq: { type: 'integer' },
          eventType: { type: 'string' },
          assetId: { type: 'string' },
          status: { type: 'string', enum: ['pending', 'delivered', 'dead'] },
          attempts: { type: 'integer' },
          nextAttemptAt: nullable(instant),
          lastStatus: nullable({ type: 'integer' }),
          lastError: nullable({ type: 'string' }),
          deliveredAt: nullable(instant),
          createdAt: instant,
        },
      },
    },
    meta: { type: 'object', properties: { nextBeforeSeq: nullable({ type: 'integer' }) } },
  },
} as SchemaObject;
