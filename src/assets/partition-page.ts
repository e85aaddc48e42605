import type { PartitionRecord } from '../../projections/asset-partitions/asset-partitions.queries.js';
import { comparePositions, type PartitionPosition } from './partition-position.js';
import type { UpcomingPartitions } from './upcoming-partitions.js';

/** Where a page's partitions come from: stored rows (keyset-paged in SQL) and existence checks. */
export interface PartitionSource {
  /** Stored partitions after `after` in listing order, at most `limit`. */
  known(after: PartitionPosition | undefined, limit: number): Promise<PartitionRecord[]>;
  /** Which of these normalized keys have a stored row (anywhere in the order). */
  existing(keys: string[]): Promise<Set<string>>;
}

export type PageItem =
  | { kind: 'known'; record: PartitionRecord; position: PartitionPosition }
  | { kind: 'upcoming'; partitionKey: string | null; position: PartitionPosition };

/**
 * One page of a partition listing: stored partitions merged with not-yet-materialized upcoming ones, in one total
 * order (sort key desc, key by code point — B14), so a cursor (the last item's position) is stable while new
 * partitions arrive. Only `limit + 1` stored rows are read; upcoming keys are considered only up to the first
 * stored row beyond the page (any stored partition before it is among the rows read), and an upcoming key stored
 * elsewhere in the order is dropped, so no partition is listed twice.
 */
export async function pagePartitions(
  source: PartitionSource,
  upcoming: UpcomingPartitions,
  after: PartitionPosition | undefined,
  limit: number,
): Promise<{ items: PageItem[]; next: PartitionPosition | null }> {
  const known = await source.known(after, limit + 1);
  const bound = known.length > limit ? known[limit]!.position : undefined;
  const knownKeys = new Set(known.map((record) => record.position.keyNorm));
  const chosen: PageItem[] = [];
  let index = after ? firstAfter(upcoming, after) : 0;
  while (index < upcoming.length && chosen.length <= limit) {
    const batch: PageItem[] = [];
    for (; index < upcoming.length && chosen.length + batch.length <= limit; index++) {
      const position = upcoming.positionAt(index);
      if (bound && comparePositions(position, bound) >= 0) {
        index = upcoming.length;
        break;
      }
      if (!knownKeys.has(position.keyNorm))
        batch.push({ kind: 'upcoming', partitionKey: upcoming.keyAt(index), position });
    }
    if (batch.length === 0) continue;
    const stored = await source.existing(batch.map((item) => item.position.keyNorm));
    chosen.push(...batch.filter((item) => !stored.has(item.position.keyNorm)));
  }
  const merged: PageItem[] = [
    ...known.map((record): PageItem => ({ kind: 'known', record, position: record.position })),
    ...chosen,
  ].sort((a, b) => comparePositions(a.position, b.position));
  const items = merged.slice(0, limit);
  return { items, next: merged.length > limit ? items[items.length - 1]!.position : null };
}

/** Index of the first upcoming partition after `after` (upcoming partitions are in listing order). */
function firstAfter(upcoming: UpcomingPartitions, after: PartitionPosition): number {
  let low = 0;
  let high = upcoming.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (comparePositions(upcoming.positionAt(middle), after) > 0) high = middle;
    else low = middle + 1;
  }
  return low;
}
