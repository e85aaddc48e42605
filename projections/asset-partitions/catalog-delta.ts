import type { PartitionState } from './partition-state.js';

/** What one batch changes in an `asset_catalog` row. */
export interface CatalogDelta {
  assetId: string;
  partitionCount: number;
  materializations: number;
  latest: { eventId: string; seq: number; producedAt: string; workflowSlug: string } | null;
  lastSeq: number;
}

/**
 * Per asset: the change in materialized partitions and materializations between the rows before and after a
 * batch, and the newest latest materialization the batch set (by producedAt, then seq). Pure.
 */
export function catalogDeltas(
  changes: ReadonlyArray<{ before: PartitionState | null; after: PartitionState | null }>,
): CatalogDelta[] {
  const byAsset = new Map<string, CatalogDelta>();
  for (const { before, after } of changes) {
    // An event about a partition that has no row and gets none (e.g. the expiry of something never recorded here).
    if (!before && !after) continue;
    const assetId = (after ?? before)!.assetId;
    const delta = byAsset.get(assetId) ?? { assetId, partitionCount: 0, materializations: 0, latest: null, lastSeq: 0 };
    const was = before?.materializations ?? 0;
    const is = after?.materializations ?? 0;
    delta.partitionCount += Number(is > 0) - Number(was > 0);
    delta.materializations += is - was;
    delta.lastSeq = Math.max(delta.lastSeq, after?.lastSeq ?? 0);
    if (after?.latestEventId && after.latestEventId !== before?.latestEventId) {
      const candidate = {
        eventId: after.latestEventId,
        seq: after.latestSeq!,
        producedAt: after.latestProducedAt!,
        workflowSlug: after.workflowSlug,
      };
      if (!delta.latest || newer(candidate, delta.latest)) delta.latest = candidate;
    }
    byAsset.set(assetId, delta);
  }
  return [...byAsset.values()].filter(
    (delta) => delta.partitionCount !== 0 || delta.materializations !== 0 || delta.latest,
  );
}

function newer(a: { producedAt: string; seq: number }, b: { producedAt: string; seq: number }): boolean {
  const difference = Date.parse(a.producedAt) - Date.parse(b.producedAt);
  return difference > 0 || (difference === 0 && a.seq > b.seq);
}
