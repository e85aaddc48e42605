import type { PartitionRecord } from '../../projections/asset-partitions/asset-partitions.queries.js';
import { pagePartitions, type PartitionSource } from './partition-page.js';
import { comparePositions, type PartitionPosition } from './partition-position.js';
import { upcomingPartitions } from './upcoming-partitions.js';
import type { Partitioning } from '../partitions/index.js';

function record(key: string, sortKey: number): PartitionRecord {
  return {
    workflowSlug: 'wf',
    assetId: 'a',
    partitionKey: key,
    position: { sortKey, keyNorm: key },
    materializations: 1,
    latestEventId: null,
    latestSeq: null,
    latestProducedAt: null,
    expiredAt: null,
    expiredReason: null,
    staleMark: null,
    parameters: null,
    parametersSource: null,
    parametersUpdatedAt: null,
  };
}

/** An in-memory stand-in for the SQL keyset page, counting rows read. */
function source(records: PartitionRecord[]): PartitionSource & { read: number } {
  const sorted = [...records].sort((a, b) => comparePositions(a.position, b.position));
  const fake = {
    read: 0,
    async known(after: PartitionPosition | undefined, limit: number) {
      const page = sorted.filter((r) => !after || comparePositions(r.position, after) > 0).slice(0, limit);
      fake.read += page.length;
      return page;
    },
    async existing(keys: string[]) {
      return new Set(keys.filter((key) => sorted.some((r) => r.position.keyNorm === key)));
    },
  };
  return fake;
}

async function walk(
  p: Partitioning | null,
  records: PartitionRecord[],
  limit: number,
  now = new Date('2024-01-05T12:00:00Z'),
  lookback?: number,
) {
  const pages: Array<Array<string | null>> = [];
  let after: PartitionPosition | undefined;
  const upcoming = upcomingPartitions(p, { now, ...(lookback === undefined ? {} : { lookback }) });
  const fake = source(records);
  for (let guard = 0; guard < 100; guard++) {
    const page = await pagePartitions(fake, upcoming, after, limit);
    pages.push(page.items.map((item) => (item.kind === 'known' ? `${item.record.partitionKey}*` : item.partitionKey)));
    if (!page.next) break;
    after = page.next;
  }
  return { pages, read: fake.read };
}

describe('pagePartitions', () => {
  it('merges declared static keys with stored ones in declared order, page by page', async () => {
    const p: Partitioning = { type: 'static', keys: ['2024-01', '2024-02', '2024-03'] };
    const { pages } = await walk(p, [record('2024-02', -1)], 2);
    expect(pages).toEqual([['2024-01', '2024-02*'], ['2024-03']]);
  });

  it('lists time windows newest first: upcoming windows in the lookback, then older stored ones', async () => {
    const p: Partitioning = { type: 'timeWindow', granularity: 'day' };
    const stored = [
      record('2024-01-04', Date.parse('2024-01-04T00:00:00Z')),
      record('2023-12-01', Date.parse('2023-12-01T00:00:00Z')),
    ];
    const { pages } = await walk(p, stored, 2, undefined, 3);
    expect(pages).toEqual([
      ['2024-01-05', '2024-01-04*'],
      ['2024-01-03', '2023-12-01*'],
    ]);
  });

  it('pages dynamic partitions from storage only, newest first', async () => {
    const { pages } = await walk({ type: 'dynamic' }, [record('x', 1), record('y', 2), record('z', 3)], 2);
    expect(pages).toEqual([['z*', 'y*'], ['x*']]);
  });

  it('lists one partition without a key for an unpartitioned asset', async () => {
    expect((await walk(null, [], 5)).pages).toEqual([[null]]);
    expect((await walk(null, [record('', 0)], 5)).pages).toEqual([['*']]);
  });

  it('never lists a key twice when a stored row sorts elsewhere (sort key from an older definition)', async () => {
    const p: Partitioning = { type: 'static', keys: ['a', 'b', 'c'] };
    const { pages } = await walk(p, [record('c', 5)], 1);
    expect(pages.flat()).toEqual(['c*', 'a', 'b']);
  });

  it('reads only about one page of stored rows per page, however many there are', async () => {
    const stored = Array.from({ length: 1000 }, (_, i) => record(`k${i}`, i));
    const page = await pagePartitions(
      source(stored),
      upcomingPartitions({ type: 'dynamic' }, { now: new Date() }),
      undefined,
      10,
    );
    expect(page.items).toHaveLength(10);
    expect(page.next).toEqual({ sortKey: 990, keyNorm: 'k990' });
  });

  it('walks a large mixed listing exactly once, in order', async () => {
    const p: Partitioning = { type: 'timeWindow', granularity: 'hour' };
    const now = new Date('2024-01-05T12:30:00Z');
    const stored = Array.from({ length: 40 }, (_, i) => {
      const start = Date.parse('2024-01-05T12:00:00Z') - i * 2 * 3_600_000;
      return record(new Date(start).toISOString().slice(0, 13), start);
    });
    const { pages } = await walk(p, stored, 7, now, 24);
    const flat = pages.flat().map((key) => String(key).replace('*', ''));
    expect(new Set(flat).size).toBe(flat.length);
    expect(flat).toHaveLength(40 + 12);
    expect([...flat].sort().reverse()).toEqual(flat);
  });
});
