import type { EventSchema } from '../events/event-schemas.js';

/** The most partitions one backfill may hold (a range or a key list); larger ones are split by the client. */
export const MAX_BACKFILL_PARTITIONS = 10_000;
/** Bounds of `maxConcurrentRuns` (partitions released and not yet finished at once) and its default. */
export const MAX_CONCURRENT_BACKFILL_RUNS = 10_000;
export const DEFAULT_CONCURRENT_BACKFILL_RUNS = 10;

/** A time-window range as the client gave it (both ends included). */
export interface PartitionRange {
  from: string;
  to: string;
}

/**
 * `backfill.requested` — a client asked to run a workflow for a set of partitions (appended by
 * `POST /workflows/:slug/backfills` on `<prefix>.backfill.<slug>.<backfillId>`, expecting the subject to be empty).
 * `partitionKeys` is the resolved, validated list in release order (a range oldest first), so the backfill never
 * depends on a later change of the workflow's partitioning. `assetId` is the partitioned asset its runs are keyed by.
 */
export interface BackfillRequested {
  backfillId: string;
  workflowSlug: string;
  assetId: string;
  range: PartitionRange | null;
  partitionKeys: string[];
  parameters: Record<string, unknown> | null;
  maxConcurrentRuns: number;
  requestedBy: string;
  requestedAt: string;
}

/**
 * `backfill.partition-requested` — the backfill manager released one partition (at most `maxConcurrentRuns` are
 * released and unfinished at once). Its id is derived from backfill id × partition key, so a partition is released
 * at most once whatever crashes; the materializer turns it into a `backfill` trigger for that workflow × partition,
 * and the run's id is derived from this event's id.
 */
export interface BackfillPartitionRequested {
  backfillId: string;
  workflowSlug: string;
  assetId: string;
  partitionKey: string;
  /** 0-based position in the backfill's `partitionKeys`. */
  position: number;
  parameters: Record<string, unknown> | null;
  requestedAt: string;
}

/**
 * `backfill.canceled` — a client canceled the backfill (`POST …/backfills/:id/cancel`): no further partition is
 * released. Partitions already released are left to finish (their runs may serve other triggers coalesced into them).
 */
export interface BackfillCanceled {
  backfillId: string;
  workflowSlug: string;
  canceledBy: string;
  reason: string | null;
  canceledAt: string;
}

/** How a backfill ended, with the outcome of every partition. */
export interface BackfillCounts {
  total: number;
  succeeded: number;
  failed: number;
  canceled: number;
  skipped: number;
}

/**
 * `backfill.completed` — every partition of the backfill ended (or, once canceled, every released one did): appended
 * once by the backfill manager with an id derived from the backfill id. `status`: `succeeded` when every partition
 * succeeded, `canceled` after a cancel, else `failed` (a run failed or was canceled, or a partition was skipped).
 */
export interface BackfillCompleted {
  backfillId: string;
  workflowSlug: string;
  status: 'succeeded' | 'failed' | 'canceled';
  counts: BackfillCounts;
  completedAt: string;
}

export type BackfillEventMap = {
  'backfill.requested': BackfillRequested;
  'backfill.partition-requested': BackfillPartitionRequested;
  'backfill.canceled': BackfillCanceled;
  'backfill.completed': BackfillCompleted;
};

export type BackfillEventType = keyof BackfillEventMap;
export const BACKFILL_EVENT_TYPES: readonly BackfillEventType[] = [
  'backfill.requested',
  'backfill.partition-requested',
  'backfill.canceled',
  'backfill.completed',
];

const instant = { type: 'string', format: 'date-time' };
const slug = { type: 'string', minLength: 1 };
const key = { type: 'string', minLength: 1, maxLength: 200 };
const parameters = { type: ['object', 'null'] };
const count = { type: 'integer', minimum: 0 };

function schema(type: BackfillEventType, required: string[], properties: Record<string, unknown>): EventSchema {
  return { type, schemaVersion: 1, data: { type: 'object', required, properties } };
}

/** Schemas of every backfill event (registered in `src/event-catalog.ts`). */
export const backfillEventSchemas: EventSchema[] = [
  schema(
    'backfill.requested',
    [
      'backfillId',
      'workflowSlug',
      'assetId',
      'range',
      'partitionKeys',
      'parameters',
      'maxConcurrentRuns',
      'requestedBy',
      'requestedAt',
    ],
    {
      backfillId: slug,
      workflowSlug: slug,
      assetId: slug,
      range: {
        type: ['object', 'null'],
        required: ['from', 'to'],
        properties: { from: key, to: key },
      },
      partitionKeys: { type: 'array', minItems: 1, maxItems: MAX_BACKFILL_PARTITIONS, items: key },
      parameters,
      maxConcurrentRuns: { type: 'integer', minimum: 1, maximum: MAX_CONCURRENT_BACKFILL_RUNS },
      requestedBy: slug,
      requestedAt: instant,
    },
  ),
  schema(
    'backfill.partition-requested',
    ['backfillId', 'workflowSlug', 'assetId', 'partitionKey', 'position', 'parameters', 'requestedAt'],
    {
      backfillId: slug,
      workflowSlug: slug,
      assetId: slug,
      partitionKey: key,
      position: { type: 'integer', minimum: 0, maximum: MAX_BACKFILL_PARTITIONS - 1 },
      parameters,
      requestedAt: instant,
    },
  ),
  schema('backfill.canceled', ['backfillId', 'workflowSlug', 'canceledBy', 'reason', 'canceledAt'], {
    backfillId: slug,
    workflowSlug: slug,
    canceledBy: slug,
    reason: { type: ['string', 'null'] },
    canceledAt: instant,
  }),
  schema('backfill.completed', ['backfillId', 'workflowSlug', 'status', 'counts', 'completedAt'], {
    backfillId: slug,
    workflowSlug: slug,
    status: { enum: ['succeeded', 'failed', 'canceled'] },
    counts: {
      type: 'object',
      required: ['total', 'succeeded', 'failed', 'canceled', 'skipped'],
      properties: { total: count, succeeded: count, failed: count, canceled: count, skipped: count },
    },
    completedAt: instant,
  }),
];
