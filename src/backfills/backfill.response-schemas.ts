import type { SchemaObject } from '@nestjs/swagger';
import { PARTITION_STATUSES } from './backfill-signals.js';

/** OpenAPI response schemas of the backfill endpoints (documentation; the console's typed client is built from them). */
const nullable = (schema: Record<string, unknown>) => ({ ...schema, nullable: true });
const instant = { type: 'string', format: 'date-time' };
const count = { type: 'integer', minimum: 0 };
const object = (properties: Record<string, unknown>) => ({
  type: 'object',
  required: Object.keys(properties),
  properties,
});

const backfillProperties = {
  id: { type: 'string' },
  workflowSlug: { type: 'string' },
  assetId: { type: 'string', description: 'The partitioned asset whose partitioning keys the runs.' },
  status: {
    type: 'string',
    enum: ['running', 'canceling', 'succeeded', 'failed', 'canceled'],
    description:
      'running: partitions left to release or in flight; canceling: canceled, released partitions still running; then succeeded (every partition succeeded), failed or canceled.',
  },
  range: nullable(object({ from: { type: 'string' }, to: { type: 'string' } })),
  partitionCount: count,
  parameters: nullable({ type: 'object', additionalProperties: true }),
  maxConcurrentRuns: { type: 'integer' },
  counts: {
    ...object(Object.fromEntries(['total', ...PARTITION_STATUSES].map((status) => [status, count]))),
    description:
      'Partitions per status: queued (not released), requested (released, not decided), waiting (coalesced with a run in flight or deferred by a backoff), running (run requested), succeeded, failed, canceled (never released after a cancel, or the run was canceled), skipped.',
  },
  requestedBy: { type: 'string' },
  createdAt: instant,
  canceledBy: nullable({ type: 'string' }),
  canceledAt: nullable(instant),
  completedAt: nullable(instant),
  eventSeq: { type: 'integer', description: 'Stream sequence of the last event reflected.' },
};

export const backfillSchema = object(backfillProperties);

const partitionSchema = object({
  partitionKey: { type: 'string' },
  position: { type: 'integer', description: 'Release order (0-based).' },
  status: { type: 'string', enum: PARTITION_STATUSES },
  runId: nullable({ type: 'string' }),
  detail: nullable({ type: 'string' }),
  requestedAt: nullable(instant),
  completedAt: nullable(instant),
});

const pageMeta = object({ limit: { type: 'integer' }, nextCursor: nullable({ type: 'string' }) });

export const backfillResponseSchema: SchemaObject = object({
  data: backfillSchema,
  meta: object({ eventSeq: { type: 'integer' } }),
}) as SchemaObject;

export const backfillListResponseSchema: SchemaObject = object({
  data: { type: 'array', items: backfillSchema },
  meta: pageMeta,
}) as SchemaObject;

export const backfillDetailResponseSchema: SchemaObject = object({
  data: object({ ...backfillProperties, partitions: { type: 'array', items: partitionSchema } }),
  meta: pageMeta,
}) as SchemaObject;
