import { minSeqQuerySchema } from '../http/responses.js';
import { PARTITION_STATUSES } from './backfill-signals.js';
import {
  DEFAULT_CONCURRENT_BACKFILL_RUNS,
  MAX_BACKFILL_PARTITIONS,
  MAX_CONCURRENT_BACKFILL_RUNS,
} from './backfill.events.js';

const partitionKey = { type: 'string', minLength: 1, maxLength: 200 };

/** `POST /workflows/:slug/backfills`. */
export const backfillRequestBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['partitions'],
  properties: {
    partitions: {
      type: 'object',
      additionalProperties: false,
      description: `Either a time-window range {from, to} (keys of the workflow's time-window partitioning, both included, enumerated in its time zone) or a list of static/dynamic keys {keys}; at most ${MAX_BACKFILL_PARTITIONS} partitions.`,
      properties: {
        from: { ...partitionKey, description: 'First window key (included).' },
        to: { ...partitionKey, description: 'Last window key (included).' },
        keys: {
          type: 'array',
          minItems: 1,
          items: partitionKey,
          description: `Partition keys in the order to run them (unique; at most ${MAX_BACKFILL_PARTITIONS}).`,
        },
      },
    },
    parameters: {
      type: 'object',
      description:
        "Merged into every run's parameters (after the workflow's defaults, parameterDefaults and stored partition parameters; before partitionKey/windowStart/windowEnd); checked with the defaults against the parametersSchema.",
    },
    maxConcurrentRuns: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_CONCURRENT_BACKFILL_RUNS,
      description: `Partitions released and not yet finished at once (default ${DEFAULT_CONCURRENT_BACKFILL_RUNS}); runs also wait for the workflow's ASSET_MATERIALIZER_MAX_CONCURRENT_RUNS_PER_WORKFLOW.`,
    },
  },
} as const;

export const cancelBackfillBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { reason: { type: 'string', minLength: 1, maxLength: 500 } },
} as const;

const BACKFILL_STATUSES = ['running', 'canceling', 'succeeded', 'failed', 'canceled'] as const;

export interface ListBackfillsQuery {
  limit: number;
  cursor?: string;
  status?: (typeof BACKFILL_STATUSES)[number];
  minSeq?: number;
}

export const listBackfillsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 50, default: 20 },
    cursor: { type: 'string', maxLength: 200 },
    status: { enum: BACKFILL_STATUSES },
    ...minSeqQuerySchema,
  },
} as const;

export interface GetBackfillQuery {
  limit: number;
  cursor?: string;
  status?: (typeof PARTITION_STATUSES)[number];
  minSeq?: number;
}

export const getBackfillQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 100, description: 'Partitions per page.' },
    cursor: { type: 'string', maxLength: 200 },
    status: { enum: PARTITION_STATUSES, description: 'Only partitions with this status.' },
    ...minSeqQuerySchema,
  },
} as const;
