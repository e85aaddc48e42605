import type { BackfillView } from '../../projections/backfills/backfills.queries.js';
import type { BackfillRequested } from './backfill.events.js';

/**
 * A backfill as just recorded, built from its request (the answer of `POST …/backfills`, before the read model has
 * it): every partition still queued.
 */
export function viewOfRequest(request: BackfillRequested, eventSeq: number): BackfillView {
  const total = request.partitionKeys.length;
  return {
    id: request.backfillId,
    workflowSlug: request.workflowSlug,
    assetId: request.assetId,
    status: 'running',
    range: request.range,
    partitionCount: total,
    parameters: request.parameters,
    maxConcurrentRuns: request.maxConcurrentRuns,
    counts: {
      total,
      queued: total,
      requested: 0,
      waiting: 0,
      running: 0,
      succeeded: 0,
      failed: 0,
      canceled: 0,
      skipped: 0,
    },
    requestedBy: request.requestedBy,
    createdAt: request.requestedAt,
    canceledBy: null,
    canceledAt: null,
    completedAt: null,
    eventSeq,
  };
}
