import type { EventSchema } from '../events/event-schemas.js';
import { TRIGGER_DECISION_TYPES, type MaterializerEventType } from './materializer.events.js';

const instant = { type: 'string', format: 'date-time' };
const nullableString = { type: ['string', 'null'] };
const nullableInstant = { type: ['string', 'null'], format: 'date-time' };
const triggerSpec = {
  type: ['object', 'null'],
  required: [
    'reason',
    'assetId',
    'sourceAssetId',
    'partitionKey',
    'upstream',
    'expiry',
    'chain',
    'eventId',
    'coalesced',
  ],
  properties: {
    reason: { enum: ['upstream-update', 'expiry', 'stale-mark', 'dependency', 'backfill'] },
    assetId: { type: 'string' },
    sourceAssetId: { type: 'string' },
    partitionKey: nullableString,
    upstream: { type: ['object', 'null'], required: ['workflowSlug', 'runId', 'eventSeq', 'assetId', 'partitionKey'] },
    expiry: { type: ['object', 'null'], required: ['reason'] },
    chain: { type: 'array', items: { type: 'string' } },
    eventId: { type: 'string' },
    coalesced: { type: 'integer', minimum: 0 },
    waitingRun: {
      type: 'object',
      required: ['workflowSlug', 'runId', 'stepId'],
      properties: { workflowSlug: { type: 'string' }, runId: { type: 'string' }, stepId: { type: 'string' } },
    },
    backfill: {
      type: 'object',
      required: ['backfillId', 'parameters'],
      properties: { backfillId: { type: 'string', minLength: 1 }, parameters: { type: ['object', 'null'] } },
    },
    backfillIds: { type: 'array', items: { type: 'string', minLength: 1 } },
  },
};
const decision = {
  type: 'object',
  required: [
    'workflowSlug',
    'assetId',
    'partitionKey',
    'outcome',
    'reason',
    'runId',
    'at',
    'cause',
    'trigger',
    'followUpOf',
    'nextEligibleAt',
    'detail',
  ],
  properties: {
    workflowSlug: { type: 'string', minLength: 1 },
    assetId: { type: 'string', minLength: 1 },
    partitionKey: nullableString,
    outcome: { enum: ['enqueued', 'coalesced', 'deferred-backoff', 'skipped'] },
    reason: { type: 'string', minLength: 1 },
    runId: nullableString,
    at: instant,
    cause: {
      type: 'object',
      required: ['eventId', 'type', 'seq'],
      properties: { eventId: { type: 'string' }, type: { type: 'string' }, seq: { type: 'integer' } },
    },
    trigger: triggerSpec,
    followUpOf: nullableString,
    nextEligibleAt: nullableInstant,
    detail: nullableString,
  },
};

function schema(type: MaterializerEventType, data: object): EventSchema {
  return { type, schemaVersion: 1, data };
}

/** Schemas of every materializer event (registered in `src/event-catalog.ts`). */
export const materializerEventSchemas: EventSchema[] = [
  ...TRIGGER_DECISION_TYPES.map((type) => schema(type, decision)),
  schema('materializer.backoff.elapsed', {
    type: 'object',
    required: ['workflowSlug', 'partitionKey', 'nextEligibleAt'],
    properties: {
      workflowSlug: { type: 'string', minLength: 1 },
      partitionKey: nullableString,
      nextEligibleAt: instant,
    },
  }),
  schema('materializer.run.reconciled', {
    type: 'object',
    required: ['workflowSlug', 'partitionKey', 'runId', 'status', 'detail'],
    properties: {
      workflowSlug: { type: 'string', minLength: 1 },
      partitionKey: nullableString,
      runId: { type: 'string', minLength: 1 },
      status: { enum: ['succeeded', 'failed', 'canceled', 'missing', 'refused', 'claim-expired'] },
      detail: nullableString,
    },
  }),
];
