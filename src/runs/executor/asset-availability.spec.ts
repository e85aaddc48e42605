import { AvailabilityCache } from './asset-availability.js';
import type { PartitionRef } from './partition-ref.js';

const refs = (from: number, count: number): PartitionRef[] =>
  Array.from({ length: count }, (_, i) => ({ assetId: 'a.b', partitionKey: `p${from + i}` }));

describe('AvailabilityCache (write-back cache)', () => {
  it('keeps a produced partition in memory until its write committed, past the bound', () => {
    const cache = new AvailabilityCache();
    cache.reset(new Map());
    cache.load(refs(0, 1), new Map());
    cache.recordProduced('a.b', 'p0', 'e1');
    expect(cache.takeChanges()).toEqual([{ assetId: 'a.b', keyNorm: 'p0', eventId: 'e1', expired: false }]);
    // The write is in flight while the next batches load more partitions than the cache holds.
    cache.load(refs(1, 100_001), new Map());
    expect(cache.missing(refs(0, 1))).toEqual([]);
    expect(cache.isAvailable({ assetId: 'a.b', partitionKey: 'p0' })).toBe(true);
    // Taken by the write-back: still held while that write commits.
    cache.taken();
    cache.load(refs(100_002, 10), new Map());
    expect(cache.missing(refs(0, 1))).toEqual([]);
    // Written: the oldest entry goes first once more are loaded.
    cache.committed();
    cache.load(refs(100_012, 1), new Map());
    expect(cache.missing(refs(0, 1))).toEqual(refs(0, 1));
  });
});
