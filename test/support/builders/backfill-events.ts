import { randomUUID } from 'node:crypto';
import type {
  BackfillCanceled,
  BackfillCompleted,
  BackfillPartitionRequested,
  BackfillRequested,
} from '../../../src/backfills/backfill.events.js';
import { partitionRequestedId } from '../../../src/backfills/backfill.saga.js';
import { derivedEventId, type StoredEvent } from '../../../src/events/envelope.js';
import type { TriggerDecision, TriggerSpec } from '../../../src/materializer/materializer.events.js';
import type { RunRequested } from '../../../src/runs/run.events.js';

let nextSeq = 500_000;

function stored<D>(type: string, subject: string, data: D, occurredAt: string, id: string = randomUUID()) {
  return {
    id,
    type,
    schemaVersion: 1,
    occurredAt,
    data,
    metadata: { correlationId: 'test', causationId: null, actor: 'test' },
    seq: nextSeq++,
    subject,
  } satisfies StoredEvent<string, D>;
}

const AT = '2025-01-01T00:00:00.000Z';

/** `backfill.requested` with defaults (workflow `daily`, asset `daily.out`, 2 concurrent runs). */
export function aBackfillRequested(
  overrides: Partial<BackfillRequested> & Pick<BackfillRequested, 'partitionKeys'>,
): StoredEvent<string, BackfillRequested> {
  const data: BackfillRequested = {
    backfillId: randomUUID(),
    workflowSlug: 'daily',
    assetId: 'daily.out',
    range: null,
    parameters: null,
    maxConcurrentRuns: 2,
    requestedBy: 'runner',
    requestedAt: AT,
    ...overrides,
  };
  return stored(
    'backfill.requested',
    `apphub.backfill.${data.workflowSlug}.${data.backfillId}`,
    data,
    AT,
    derivedEventId(data.backfillId, 'backfill.requested'),
  );
}

/** The `backfill.partition-requested` the manager appends for one partition (same derived id). */
export function aPartitionRequested(
  request: BackfillRequested,
  partitionKey: string,
  occurredAt = AT,
): StoredEvent<string, BackfillPartitionRequested> {
  const data: BackfillPartitionRequested = {
    backfillId: request.backfillId,
    workflowSlug: request.workflowSlug,
    assetId: request.assetId,
    partitionKey,
    position: request.partitionKeys.indexOf(partitionKey),
    parameters: request.parameters,
    requestedAt: occurredAt,
  };
  return stored(
    'backfill.partition-requested',
    `apphub.backfill.${data.workflowSlug}.${data.backfillId}`,
    data,
    occurredAt,
    partitionRequestedId(request.backfillId, partitionKey),
  );
}

export function aBackfillCanceled(request: BackfillRequested, at = AT): StoredEvent<string, BackfillCanceled> {
  const data = {
    backfillId: request.backfillId,
    workflowSlug: request.workflowSlug,
    canceledBy: 'runner',
    reason: null,
    canceledAt: at,
  };
  return stored('backfill.canceled', `apphub.backfill.${data.workflowSlug}.${data.backfillId}`, data, at);
}

export function aBackfillCompleted(
  request: BackfillRequested,
  status: BackfillCompleted['status'],
  counts: Partial<BackfillCompleted['counts']> = {},
  at = AT,
): StoredEvent<string, BackfillCompleted> {
  const data: BackfillCompleted = {
    backfillId: request.backfillId,
    workflowSlug: request.workflowSlug,
    status,
    counts: { total: request.partitionKeys.length, succeeded: 0, failed: 0, canceled: 0, skipped: 0, ...counts },
    completedAt: at,
  };
  return stored(
    'backfill.completed',
    `apphub.backfill.${data.workflowSlug}.${data.backfillId}`,
    data,
    at,
    derivedEventId(request.backfillId, 'backfill.completed'),
  );
}

/** `workflow.run.requested` of a run whose trigger covers these backfills' partition. */
export function aBackfillRunRequested(
  slug: string,
  runId: string,
  partitionKey: string,
  backfillIds: string[],
): StoredEvent<string, RunRequested> {
  const data: RunRequested = {
    runId,
    workflowSlug: slug,
    workflowDefinitionId: `${slug}-id`,
    workflowVersion: 1,
    steps: [],
    partitionKey,
    runKey: null,
    parameters: {},
    triggeredBy: 'asset-materializer',
    trigger: { type: 'backfill', backfillId: backfillIds[0], backfillIds, partitionKey },
    priority: null,
    requestedAt: AT,
  };
  return stored('workflow.run.requested', `apphub.run.${slug}.${runId}`, data, AT);
}

/** A materializer decision for a workflow × partition whose trigger covers these backfills. */
export function aDecision(
  outcome: TriggerDecision['outcome'],
  fields: {
    slug: string;
    partitionKey: string;
    backfillIds: string[];
    runId?: string | null;
    causeType?: string;
    reason?: string;
  },
): StoredEvent<string, TriggerDecision> {
  const trigger = {
    reason: 'backfill',
    assetId: `${fields.slug}.out`,
    sourceAssetId: `${fields.slug}.out`,
    partitionKey: fields.partitionKey,
    upstream: null,
    expiry: null,
    chain: [fields.slug],
    eventId: randomUUID(),
    coalesced: 0,
    backfill: { backfillId: fields.backfillIds[0]!, parameters: null },
    backfillIds: fields.backfillIds,
  } satisfies TriggerSpec;
  const data: TriggerDecision = {
    workflowSlug: fields.slug,
    assetId: `${fields.slug}.out`,
    partitionKey: fields.partitionKey,
    outcome,
    reason: fields.reason ?? (outcome === 'coalesced' ? 'in_flight' : 'backfill'),
    runId: fields.runId ?? null,
    at: AT,
    cause: { eventId: randomUUID(), type: fields.causeType ?? 'backfill.partition-requested', seq: 1 },
    trigger,
    followUpOf: null,
    nextEligibleAt: outcome === 'deferred-backoff' ? '2025-01-01T00:02:00.000Z' : null,
    detail: outcome === 'skipped' ? 'no fit' : null,
  };
  return stored(`materializer.trigger.${outcome}`, `apphub.materializer.${fields.slug}.${outcome}`, data, AT);
}
