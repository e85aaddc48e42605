import type { SchemaObject } from '@nestjs/swagger';

/** OpenAPI response schemas of `/health/*` (operations; the console does not read them). */
const check = {
  type: 'object',
  required: ['ok'],
  properties: { ok: { type: 'boolean' }, detail: { description: 'What is wrong (or worth knowing), when anything.' } },
};

export const liveResponseSchema = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', enum: ['ok'] } },
} as SchemaObject;

/** 200 when ready, 503 (same shape, `status: not_ready`) otherwise. */
export const readyResponseSchema = {
  type: 'object',
  required: ['status', 'checks', 'projectionLag'],
  properties: {
    status: { type: 'string', enum: ['ready', 'not_ready'] },
    checks: {
      type: 'object',
      required: ['nats', 'postgres', 'migrations', 'consumers'],
      properties: { nats: check, postgres: check, migrations: check, consumers: check },
    },
    projectionLag: {
      type: 'object',
      additionalProperties: { type: 'integer', minimum: 0 },
      description: 'Events in the stream each consumer has not applied yet (empty while NATS or Postgres is down).',
    },
  },
} as SchemaObject;
