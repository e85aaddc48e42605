import type { SchemaObject } from '@nestjs/swagger';

/** OpenAPI response schema of `GET /admin/dead-letters`. */
const nullable = (schema: Record<string, unknown>) => ({ ...schema, nullable: true });

const deadLetter = {
  type: 'object',
  required: ['consumer', 'seq', 'subject', 'eventId', 'eventType', 'error', 'createdAt'],
  properties: {
    consumer: { type: 'string' },
    seq: { type: 'integer', description: 'Stream sequence of the event.' },
    subject: { type: 'string' },
    eventId: nullable({ type: 'string' }),
    eventType: nullable({ type: 'string' }),
    error: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
  },
};

export const deadLettersResponseSchema = {
  type: 'object',
  required: ['data', 'meta'],
  properties: {
    data: {
      type: 'object',
      required: ['deadLetters'],
      properties: { deadLetters: { type: 'array', items: deadLetter } },
    },
    meta: {
      type: 'object',
      required: ['limit', 'nextCursor'],
      properties: { limit: { type: 'integer' }, nextCursor: nullable({ type: 'string' }) },
    },
  },
} as SchemaObject;
