import type { EventSchema } from '../events/event-schemas.js';
import type { AssetSubjectKind } from '../events/subjects.js';
import type { CheckSeverity, Freshness } from '../workflows/workflow-definition.js';

/**
 * `asset.produced` — one materialization of an asset, appended by the asset relay for each asset of a
 * `workflow.step.succeeded` event on `<prefix>.asset.produced.<assetId>`. Its id is
 * uuidv5(step event id, assetId, partitionKey), so a relay replay can never record it twice.
 */
export interface AssetProduced {
  assetId: string;
  workflowDefinitionId: string;
  workflowSlug: string;
  workflowRunId: string;
  runKey: string | null;
  stepId: string;
  producedAt: string;
  partitionKey: string | null;
  payload: unknown;
  schema: Record<string, unknown> | null;
  freshness: Freshness | null;
  parameters: Record<string, unknown> | null;
  /**
   * Names of blocking checks that failed on this materialization (DESIGN §14); present when the asset declares
   * checks. Non-empty: auto-materialization downstream of it is skipped (`blocked-by-check`).
   */
  failedBlockingChecks?: string[];
}

/**
 * `asset.expired` — a TTL or cadence timer of a materialization ran out (never before `expiresAt`). Carries the
 * produced data it was scheduled from (minus payload).
 */
export interface AssetExpired extends Omit<AssetProduced, 'payload'> {
  expiresAt: string;
  requestedAt: string;
  reason: 'ttl' | 'cadence';
  /** Id of the `asset.produced` event the timer was armed for. */
  producedEventId: string;
}

/** `asset.stale.marked` — an operator marked a partition stale (`POST …/stale`). */
export interface AssetStaleMarked {
  assetId: string;
  workflowSlug: string;
  partitionKey: string | null;
  requestedBy: string;
  requestedAt: string;
  note: string | null;
  /** The operator also asked for a rerun (`?trigger=true`). */
  triggerRun: boolean;
}

/** `asset.stale.cleared` — an operator removed the stale mark (`DELETE …/stale`). */
export interface AssetStaleCleared {
  assetId: string;
  workflowSlug: string;
  partitionKey: string | null;
  clearedBy: string;
  clearedAt: string;
}

/** `asset.partition-parameters.set` — stored parameters reused by auto runs of that partition. */
export interface AssetPartitionParametersSet {
  assetId: string;
  workflowSlug: string;
  partitionKey: string | null;
  parameters: unknown;
  source: 'manual';
  setBy: string;
  setAt: string;
}

export interface AssetPartitionParametersDeleted {
  assetId: string;
  workflowSlug: string;
  partitionKey: string | null;
  deletedBy: string;
  deletedAt: string;
}

/**
 * `asset.check.evaluated` — one check result of one materialization (DESIGN §14), on `<prefix>.asset.check.<assetId>`,
 * appended by the relay just before the `asset.produced` it belongs to. Its id is uuidv5(produced event id, "check",
 * name): a relay replay yields the same id.
 */
export interface AssetCheckEvaluated {
  assetId: string;
  workflowSlug: string;
  workflowDefinitionId: string;
  workflowRunId: string;
  stepId: string;
  partitionKey: string | null;
  /** Id of the `asset.produced` event (the materialization) the result belongs to. */
  producedEventId: string;
  producedAt: string;
  checkName: string;
  severity: CheckSeverity;
  blocking: boolean;
  passed: boolean;
  source: 'job' | 'service' | 'job+service';
  metadata: unknown;
  violations: Array<{ path: string; message: string }>;
}

export type AssetEventMap = {
  'asset.produced': AssetProduced;
  'asset.expired': AssetExpired;
  'asset.stale.marked': AssetStaleMarked;
  'asset.stale.cleared': AssetStaleCleared;
  'asset.partition-parameters.set': AssetPartitionParametersSet;
  'asset.partition-parameters.deleted': AssetPartitionParametersDeleted;
  'asset.check.evaluated': AssetCheckEvaluated;
};

export type AssetEventType = keyof AssetEventMap;

/** The subject kind token of each asset event type (DESIGN §3). */
export const ASSET_SUBJECT_KIND: Record<AssetEventType, AssetSubjectKind> = {
  'asset.produced': 'produced',
  'asset.expired': 'expired',
  'asset.stale.marked': 'stale-marked',
  'asset.stale.cleared': 'stale-cleared',
  'asset.partition-parameters.set': 'parameters-set',
  'asset.partition-parameters.deleted': 'parameters-deleted',
  'asset.check.evaluated': 'check',
};

const instant = { type: 'string', format: 'date-time' };
const nullableString = { type: ['string', 'null'] };
const base = {
  assetId: { type: 'string', minLength: 1, maxLength: 200 },
  workflowSlug: { type: 'string', minLength: 1 },
  partitionKey: nullableString,
};
const produced = {
  ...base,
  workflowDefinitionId: { type: 'string' },
  workflowRunId: { type: 'string' },
  runKey: nullableString,
  stepId: { type: 'string' },
  producedAt: instant,
  schema: { type: ['object', 'null'] },
  freshness: { type: ['object', 'null'] },
  parameters: { type: ['object', 'null'] },
};
const producedRequired = [
  'assetId',
  'workflowDefinitionId',
  'workflowSlug',
  'workflowRunId',
  'runKey',
  'stepId',
  'producedAt',
  'partitionKey',
  'schema',
  'freshness',
  'parameters',
];

function schema(type: AssetEventType, required: string[], properties: Record<string, unknown>): EventSchema {
  return { type, schemaVersion: 1, data: { type: 'object', required, properties } };
}

export const assetEventSchemas: EventSchema[] = [
  schema('asset.produced', [...producedRequired, 'payload'], {
    ...produced,
    payload: {},
    failedBlockingChecks: { type: 'array', items: { type: 'string' } },
  }),
  schema('asset.expired', [...producedRequired, 'expiresAt', 'requestedAt', 'reason', 'producedEventId'], {
    ...produced,
    expiresAt: instant,
    requestedAt: instant,
    reason: { enum: ['ttl', 'cadence'] },
    producedEventId: { type: 'string' },
  }),
  schema(
    'asset.stale.marked',
    ['assetId', 'workflowSlug', 'partitionKey', 'requestedBy', 'requestedAt', 'note', 'triggerRun'],
    {
      ...base,
      requestedBy: { type: 'string' },
      requestedAt: instant,
      note: nullableString,
      triggerRun: { type: 'boolean' },
    },
  ),
  schema('asset.stale.cleared', ['assetId', 'workflowSlug', 'partitionKey', 'clearedBy', 'clearedAt'], {
    ...base,
    clearedBy: { type: 'string' },
    clearedAt: instant,
  }),
  schema(
    'asset.partition-parameters.set',
    ['assetId', 'workflowSlug', 'partitionKey', 'parameters', 'source', 'setBy', 'setAt'],
    {
      ...base,
      parameters: {},
      source: { enum: ['manual'] },
      setBy: { type: 'string' },
      setAt: instant,
    },
  ),
  schema('asset.partition-parameters.deleted', ['assetId', 'workflowSlug', 'partitionKey', 'deletedBy', 'deletedAt'], {
    ...base,
    deletedBy: { type: 'string' },
    deletedAt: instant,
  }),
  schema(
    'asset.check.evaluated',
    [
      'assetId',
      'workflowSlug',
      'workflowDefinitionId',
      'workflowRunId',
      'stepId',
      'partitionKey',
      'producedEventId',
      'producedAt',
      'checkName',
      'severity',
      'blocking',
      'passed',
      'source',
      'metadata',
      'violations',
    ],
    {
      ...base,
      workflowDefinitionId: { type: 'string' },
      workflowRunId: { type: 'string' },
      stepId: { type: 'string' },
      producedEventId: { type: 'string' },
      producedAt: instant,
      checkName: { type: 'string', minLength: 1, maxLength: 100 },
      severity: { enum: ['warn', 'error'] },
      blocking: { type: 'boolean' },
      passed: { type: 'boolean' },
      source: { enum: ['job', 'service', 'job+service'] },
      metadata: {},
      violations: {
        type: 'array',
        items: {
          type: 'object',
          required: ['path', 'message'],
          properties: { path: { type: 'string' }, message: { type: 'string' } },
        },
      },
    },
  ),
];
