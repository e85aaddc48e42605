import { partitionSortKey, type PartitionPosition } from './partition-position.js';
import { enumerateWindowKeys, type Partitioning } from '../partitions/index.js';

/** Partitions that are listed even before they are materialized, in listing order, positions computed lazily. */
export interface UpcomingPartitions {
  readonly length: number;
  keyAt(index: number): string | null;
  positionAt(index: number): PartitionPosition;
  /** Every key, normalized ('' for none). */
  keys(): string[];
}

/**
 * The "upcoming" partitions of an asset (DESIGN §8): static → the declared keys in declared order; time window →
 * the windows from the current one back to `start` or over the lookback (`lookback` query, else
 * `lookbackWindows`, else the granularity default), newest first; dynamic → none; unpartitioned → the single
 * partition with no key. Window positions (window start) are computed only for the keys a page looks at.
 */
export function upcomingPartitions(
  partitioning: Partitioning | null,
  options: { now: Date; lookback?: number },
): UpcomingPartitions {
  if (!partitioning) return fromKeys([null], () => 0);
  switch (partitioning.type) {
    case 'static': {
      const keys = [...new Set(partitioning.keys)];
      return fromKeys(keys, (key) => partitionSortKey(partitioning, key, 0));
    }
    case 'timeWindow': {
      const keys = enumerateWindowKeys(partitioning, {
        now: options.now,
        ...(options.lookback === undefined ? {} : { lookback: options.lookback }),
      });
      return fromKeys(keys, (key) => partitionSortKey(partitioning, key, 0));
    }
    default:
      return fromKeys([], () => 0);
  }
}

function fromKeys(list: ReadonlyArray<string | null>, sortKeyOf: (key: string | null) => number): UpcomingPartitions {
  const positions = new Map<number, PartitionPosition>();
  return {
    length: list.length,
    keyAt: (index) => list[index]!,
    positionAt(index) {
      let position = positions.get(index);
      if (!position) {
        const key = list[index]!;
        position = { sortKey: sortKeyOf(key), keyNorm: key ?? '' };
        positions.set(index, position);
      }
      return position;
    },
    keys: () => list.map((key) => key ?? ''),
  };
}
