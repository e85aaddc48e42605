import { minSeqQuerySchema } from '../http/responses.js';

const limit = (maximum: number, defaultValue: number) =>
  ({
    type: 'integer',
    minimum: 1,
    maximum,
    default: defaultValue,
    description: `Page size, 1..${maximum} (out of range → 400, never clamped).`,
  }) as const;
const cursor = {
  type: 'string',
  minLength: 1,
  maxLength: 1000,
  description: 'Opaque cursor from meta.nextCursor of the previous page.',
} as const;
const partitionKey = {
  type: 'string',
  minLength: 1,
  maxLength: 200,
  description: 'Partition key (required and validated for a partitioned asset).',
} as const;

const query = (properties: Record<string, unknown>) =>
  ({ type: 'object', additionalProperties: false, properties: { ...properties, ...minSeqQuerySchema } }) as const;

export const inventoryQuerySchema = query({});
export const graphQuerySchema = query({});
export const historyQuerySchema = query({
  partitionKey: { ...partitionKey, description: 'Only this partition (validated against the asset partitioning).' },
  limit: limit(100, 10),
  cursor,
});
export const partitionsQuerySchema = query({
  lookback: {
    type: 'integer',
    minimum: 1,
    maximum: 10000,
    description: 'Time windows to enumerate back from the current one (overrides lookbackWindows).',
  },
  limit: limit(200, 50),
  cursor,
  total: {
    type: 'boolean',
    default: false,
    description:
      'Also answer meta.total (stored plus upcoming partitions). Counting reads every stored partition of the asset, so it is off by default; pages themselves cost the same at any partition count.',
  },
});
export const checksQuerySchema = query({
  partitionKey: { ...partitionKey, description: 'Only this partition (validated against the asset partitioning).' },
  check: { type: 'string', minLength: 1, maxLength: 100, description: 'Only results of this check name.' },
  limit: limit(200, 50),
});
export const catalogQuerySchema = query({ limit: limit(200, 50), cursor });
export const assetDetailQuerySchema = query({ limit: limit(200, 50), cursor });

/** `POST …/stale?trigger=true`. */
export const markStaleQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    trigger: {
      type: 'boolean',
      default: false,
      description: 'Record that a rerun is wanted; the materializer requests it.',
    },
  },
} as const;
export const partitionKeyQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { partitionKey },
} as const;

export const markStaleBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    partitionKey,
    note: { type: 'string', minLength: 1, maxLength: 500, description: 'Why (trimmed; blank → null).' },
  },
} as const;

export const partitionParametersBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['parameters'],
  properties: {
    partitionKey: { oneOf: [partitionKey, { type: 'null' }] },
    parameters: { type: 'object', description: 'Run parameters merged into auto runs of this partition.' },
  },
} as const;

export interface ChecksQuery {
  partitionKey?: string;
  check?: string;
  limit: number;
  minSeq?: number;
}

export interface HistoryQuery {
  partitionKey?: string;
  limit: number;
  cursor?: string;
  minSeq?: number;
}
export interface PartitionsQuery {
  lookback?: number;
  total?: boolean;
  limit: number;
  cursor?: string;
  minSeq?: number;
}
export interface PageQuery {
  limit: number;
  cursor?: string;
  minSeq?: number;
}
export interface MarkStaleBody {
  partitionKey?: string;
  note?: string;
}
export interface PartitionParametersBody {
  partitionKey?: string | null;
  parameters: Record<string, unknown>;
}
