import type { SchemaObject } from '@nestjs/swagger';
import { workflowDefinitionBodySchema, workflowStepSchema } from './workflow-definition.schema.js';

/** OpenAPI response schemas of the workflow endpoints (documentation; the typed console client is generated from them). */
const { additionalProperties: _closed, ...openStep } = workflowStepSchema;
const { additionalProperties: _closedBody, ...openBody } = workflowDefinitionBodySchema;

/** A stored definition: the body as normalized (defaults filled in) plus what the server adds. */
export const workflowSchema = {
  ...openBody,
  description: 'A stored workflow definition (defaults filled in).',
  required: ['id', 'slug', 'name', 'steps', 'version', 'createdAt', 'updatedAt'],
  properties: {
    ...openBody.properties,
    steps: {
      ...openBody.properties.steps,
      items: { ...openStep, required: ['id', 'type', 'dependsOn', 'produces', 'consumes', 'retries'] },
    },
    id: { type: 'string', description: 'Stable id of the workflow (survives updates).' },
    version: { type: 'integer', minimum: 1, description: '1 on create, +1 per update; the ETag.' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};

const eventSeqMeta = {
  type: 'object',
  required: ['eventSeq'],
  properties: { eventSeq: { type: 'integer', description: 'Stream sequence of the event (read-your-writes).' } },
};

export const workflowResponseSchema = {
  type: 'object',
  required: ['data', 'meta'],
  properties: { data: workflowSchema, meta: eventSeqMeta },
} as unknown as SchemaObject;

export const workflowListResponseSchema = {
  type: 'object',
  required: ['data', 'meta'],
  properties: {
    data: { type: 'array', items: workflowSchema },
    meta: {
      type: 'object',
      required: ['nextCursor', 'limit'],
      properties: { nextCursor: { type: 'string', nullable: true }, limit: { type: 'integer' } },
    },
  },
} as unknown as SchemaObject;
