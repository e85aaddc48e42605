import { anAssetProduced } from './asset-events.js';
import { aStep, aWorkflow } from './materializer-events.js';
import type { AssetDeclaration } from '../../../src/workflows/workflow-definition.js';

/** The saga specs' minute-partitioned producer `ingest` of `obs.raw` (TTL 60 s, active policy, lookback 10). */
export const minute = {
  type: 'timeWindow',
  granularity: 'minute',
  format: 'YYYY-MM-DDTHH:mm',
  lookbackWindows: 10,
} as const;

export const producer = (declaration: Partial<AssetDeclaration> = {}) =>
  aWorkflow(
    'ingest',
    [
      aStep('i', {
        produces: [
          {
            assetId: 'obs.raw',
            partitioning: minute,
            freshness: { ttlMs: 60_000 },
            autoMaterialize: { priority: 2 },
            ...declaration,
          },
        ],
      }),
    ],
    { defaultParameters: { site: 'default' } },
  );

/** A production of `obs.raw` in the minute `key`, 30 s into the window. */
export const produce = (key: string, overrides: Parameters<typeof anAssetProduced>[0] = {}) =>
  anAssetProduced({
    assetId: 'obs.raw',
    workflowSlug: 'ingest',
    partitionKey: key,
    producedAt: `${key}:30.000Z`,
    occurredAt: `${key}:30.000Z`,
    freshness: { ttlMs: 60_000 },
    ...overrides,
  });
