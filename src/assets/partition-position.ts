import { windowForKey, type Partitioning } from '../partitions/index.js';

/** Where a partition sorts in listings: `sortKey` descending, then `keyNorm` ascending by code point. */
export interface PartitionPosition {
  sortKey: number;
  /** The partition key, or '' for none. */
  keyNorm: string;
}

/** Sort key of a time-window key that is not a valid window (cannot happen for validated keys): after all windows. */
const INVALID_WINDOW = -1e16;

/**
 * The stored sort key of a partition (`asset_partition.sort_key`), so that `order by sort_key desc` lists time
 * windows newest first (window start, epoch ms), static keys in declared order (minus the declared index;
 * undeclared keys after them), dynamic keys newest first (the stream sequence that first saw the key). An
 * unpartitioned asset, or a partition whose partitioning is unknown, sorts at 0.
 */
export function partitionSortKey(p: Partitioning | null | undefined, key: string | null, firstSeenSeq: number): number {
  if (!p || key === null) return 0;
  switch (p.type) {
    case 'static': {
      const index = p.keys.indexOf(key);
      return index >= 0 ? 0 - index : 0 - p.keys.length;
    }
    case 'timeWindow': {
      const window = windowForKey(p, key);
      return window ? Date.parse(window.windowStart) : INVALID_WINDOW;
    }
    case 'dynamic':
      return firstSeenSeq;
    default:
      return 0;
  }
}

/**
 * The listing order (a total order: keys are unique per workflow × asset): higher sort key first, then key by
 * Unicode code point — the order of Postgres `collate "C"`, so SQL pages and in-memory merges agree.
 */
export function comparePositions(a: PartitionPosition, b: PartitionPosition): number {
  return b.sortKey - a.sortKey || compareCodePoints(a.keyNorm, b.keyNorm);
}

/** Compares strings by Unicode code point (UTF-8 byte order, like `collate "C"`), never by locale. */
export function compareCodePoints(a: string, b: string): number {
  return a === b ? 0 : Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
