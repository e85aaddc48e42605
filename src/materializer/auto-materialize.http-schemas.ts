import { minSeqQuerySchema } from '../http/responses.js';

/** Query of `GET /workflows/:slug/auto-materialize`. */
export interface AutoMaterializeQuery {
  limit: number;
  assetId?: string;
  partitionKey?: string;
  outcome?: 'enqueued' | 'coalesced' | 'deferred-backoff' | 'skipped';
  minSeq?: number;
}

export const autoMaterializeQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: {
      type: 'integer',
      minimum: 1,
      maximum: 100,
      default: 20,
      description: 'How many runs, in-flight entries, backoff windows and decisions to list (each).',
    },
    assetId: { type: 'string', minLength: 1, maxLength: 200 },
    partitionKey: { type: 'string', minLength: 1, maxLength: 200 },
    outcome: {
      enum: ['enqueued', 'coalesced', 'deferred-backoff', 'skipped'],
      description: 'Filters decisions by outcome.',
    },
    ...minSeqQuerySchema,
  },
} as const;
