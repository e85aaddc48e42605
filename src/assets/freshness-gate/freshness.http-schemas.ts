import type { SchemaObject } from '@nestjs/swagger';
import { minSeqQuerySchema } from '../../http/responses.js';

/** `GET /assets/:assetId/freshness` query. */
export const freshnessQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    partitionKey: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      description: "This partition (validated against the producers' partitioning); default: the newest partition.",
    },
    require: {
      type: 'string',
      enum: ['fresh'],
      description: 'Answer 412 problem+json `asset_not_fresh` unless the status is fresh (a deployment gate).',
    },
    ...minSeqQuerySchema,
  },
} as const;

const nullable = (schema: Record<string, unknown>) => ({ ...schema, nullable: true });
const reason = { type: 'string', enum: ['never-materialized', 'expired', 'ttl-elapsed', 'manual', 'max-age'] };

/** The freshness verdict (the `data` of 200, the `freshness` member of the 412 problem). */
export const freshnessSchema = {
  type: 'object',
  required: ['assetId', 'partitionKey', 'status', 'since', 'reason', 'reasons', 'freshUntil', 'detail', 'latest'],
  properties: {
    assetId: { type: 'string' },
    partitionKey: nullable({ type: 'string' }),
    status: { type: 'string', enum: ['fresh', 'expired', 'stale', 'missing'] },
    since: nullable({ type: 'string', format: 'date-time' }),
    reason: { ...reason, enum: [...reason.enum, null], nullable: true },
    reasons: { type: 'array', items: reason },
    freshUntil: nullable({ type: 'string', format: 'date-time' }),
    detail: { type: 'string' },
    evaluatedAt: { type: 'string', format: 'date-time' },
    latest: nullable({
      type: 'object',
      properties: {
        workflowSlug: { type: 'string' },
        runId: { type: 'string' },
        stepId: { type: 'string' },
        partitionKey: nullable({ type: 'string' }),
        producedAt: { type: 'string', format: 'date-time' },
        eventSeq: { type: 'integer' },
      },
    }),
  },
};

export const freshnessResponseSchema = {
  type: 'object',
  required: ['data'],
  properties: { data: freshnessSchema },
} as SchemaObject;

/** The 412 problem of `require=fresh`. */
export const notFreshProblemSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code', 'freshness'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer', enum: [412] },
    detail: { type: 'string' },
    instance: { type: 'string' },
    code: { type: 'string', enum: ['asset_not_fresh'] },
    freshness: freshnessSchema,
  },
} as SchemaObject;
