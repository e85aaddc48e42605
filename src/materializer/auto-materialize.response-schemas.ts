import type { SchemaObject } from '@nestjs/swagger';
import { runSchema } from '../runs/run.response-schemas.js';

/** OpenAPI response schema of `GET /workflows/:slug/auto-materialize` (DESIGN §5 auto-materialize view). */
const nullable = (schema: Record<string, unknown>) => ({ ...schema, nullable: true });
const object = (properties: Record<string, unknown>) => ({
  type: 'object',
  required: Object.keys(properties),
  properties,
});
const instant = { type: 'string', format: 'date-time' };

export const autoMaterializeResponseSchema = object({
  data: object({
    runs: { type: 'array', items: runSchema, description: 'Recent auto runs, newest first.' },
    inFlight: {
      type: 'array',
      description: 'Auto runs in flight (the materializer’s claims), per partition.',
      items: object({
        partitionKey: nullable({ type: 'string' }),
        runId: { type: 'string' },
        assetId: { type: 'string' },
        reason: { type: 'string' },
        since: instant,
        followUpPending: { type: 'boolean', description: 'A coalesced trigger will run once this run ends.' },
      }),
    },
    backoff: {
      type: 'array',
      description: 'Partitions with consecutive failed auto runs (the window may be over).',
      items: object({
        partitionKey: nullable({ type: 'string' }),
        failures: { type: 'integer' },
        nextEligibleAt: nullable(instant),
        deferredPending: { type: 'boolean', description: 'A deferred trigger will run when the window ends.' },
      }),
    },
    decisions: {
      type: 'array',
      description: 'Recent trigger decisions, newest first: why it did or did not run.',
      items: object({
        at: instant,
        assetId: { type: 'string' },
        partitionKey: nullable({ type: 'string' }),
        outcome: { type: 'string', enum: ['enqueued', 'coalesced', 'deferred-backoff', 'skipped'] },
        reason: { type: 'string' },
        runId: nullable({ type: 'string' }),
        detail: nullable({ type: 'string' }),
        eventSeq: { type: 'integer' },
        causeSeq: { type: 'integer', description: 'Stream sequence of the event that caused the decision.' },
      }),
    },
  }),
  meta: object({ limit: { type: 'integer' } }),
}) as SchemaObject;
