import type { SchemaObject } from '@nestjs/swagger';

/** OpenAPI response schemas of the run endpoints (documentation; the typed console client is generated from them). */
const nullable = (schema: Record<string, unknown>) => ({ ...schema, nullable: true });
const instant = { type: 'string', format: 'date-time' };
const object = (properties: Record<string, unknown>, optional: string[] = []) => ({
  type: 'object',
  required: Object.keys(properties).filter((key) => !optional.includes(key)),
  properties,
});
const runStatus = { type: 'string', enum: ['pending', 'running', 'waiting', 'succeeded', 'failed', 'canceled'] };
const stepStatus = { type: 'string', enum: ['pending', 'running', 'succeeded', 'failed', 'skipped'] };
const error = object({ message: { type: 'string' }, code: { type: 'string' }, details: {} }, ['details']);

/** DESIGN §5 Run. `trigger` is `{type: manual|auto-materialize|dependency|backfill, …}` with the trigger's facts. */
export const runSchema = object({
  id: { type: 'string' },
  workflowSlug: { type: 'string' },
  workflowDefinitionId: { type: 'string' },
  status: runStatus,
  partitionKey: nullable({ type: 'string' }),
  runKey: nullable({ type: 'string' }),
  parameters: { type: 'object', additionalProperties: true },
  triggeredBy: nullable({ type: 'string' }),
  trigger: {
    type: 'object',
    required: ['type'],
    additionalProperties: true,
    properties: {
      type: { type: 'string', description: 'manual, auto-materialize, dependency, backfill, …' },
      reason: { type: 'string', description: 'auto-materialize: upstream-update, expiry, manual-stale, …' },
      assetId: { type: 'string' },
      partitionKey: nullable({ type: 'string' }),
      chain: { type: 'array', items: { type: 'string' }, description: 'Workflow slugs of the causation chain.' },
    },
  },
  createdAt: instant,
  startedAt: nullable(instant),
  completedAt: nullable(instant),
  error: nullable(error),
  waitingFor: nullable(
    object({
      stepId: { type: 'string' },
      assetId: { type: 'string' },
      partitionKey: nullable({ type: 'string' }),
      producerWorkflowSlug: nullable({ type: 'string' }),
      producerRunId: nullable({ type: 'string' }),
      waitUntil: instant,
    }),
  ),
  steps: {
    type: 'array',
    items: object({
      stepId: { type: 'string' },
      status: stepStatus,
      attempt: { type: 'integer' },
      startedAt: nullable(instant),
      completedAt: nullable(instant),
      error: nullable(error),
      warnings: {
        type: 'array',
        items: object({ code: { type: 'string' }, assetId: nullable({ type: 'string' }), message: { type: 'string' } }),
      },
      producedAssets: {
        type: 'array',
        items: object({ assetId: { type: 'string' }, partitionKey: nullable({ type: 'string' }), producedAt: instant }),
      },
    }),
  },
});

export const runResponseSchema = object({
  data: runSchema,
  meta: object({ eventSeq: { type: 'integer' } }),
}) as SchemaObject;

export const runListResponseSchema = object({
  data: { type: 'array', items: runSchema },
  meta: object({ limit: { type: 'integer' }, nextCursor: nullable({ type: 'string' }) }),
}) as SchemaObject;

/** The answer to a step completion (the same over NATS); a repeated completion answers the original, duplicate. */
export const completionResponseSchema = object({
  data: object({
    runId: { type: 'string' },
    stepId: { type: 'string' },
    attempt: { type: 'integer' },
    status: { type: 'string', enum: ['succeeded', 'failed'] },
  }),
  meta: object({
    eventSeq: { type: 'integer' },
    duplicate: { type: 'boolean', description: 'This attempt was already completed; nothing was recorded again.' },
  }),
}) as SchemaObject;
