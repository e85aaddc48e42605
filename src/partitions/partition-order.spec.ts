import { comparePartitionKeys, sortPartitionKeys } from './partition-order.js';
import type { Partitioning } from './partitioning.js';

const hourly: Partitioning = { type: 'timeWindow', granularity: 'hour', timezone: 'Europe/Vienna' };
const regions: Partitioning = { type: 'static', keys: ['us', 'eu', 'apac'] };
const devices: Partitioning = { type: 'dynamic' };

/** Every pair and triple: antisymmetric, reflexive zero, transitive, and only equal keys compare equal. */
function expectTotalOrder(p: Partitioning | null, keys: Array<string | null>): void {
  const cmp = (a: string | null, b: string | null) => Math.sign(comparePartitionKeys(p, a, b));
  for (const a of keys) {
    for (const b of keys) {
      expect(cmp(a, b) + cmp(b, a)).toBe(0);
      expect(cmp(a, b) === 0).toBe(a === b);
      for (const c of keys) {
        if (cmp(a, b) <= 0 && cmp(b, c) <= 0) expect(cmp(a, c)).toBeLessThanOrEqual(0);
      }
    }
  }
}

describe('comparePartitionKeys', () => {
  it('lists time windows newest first, then invalid keys by string, then null', () => {
    const keys = [
      '2024-10-27T01',
      'junk',
      '2024-10-27T03',
      null,
      '2024-10-27T02+01:00',
      '2024-10-26T23',
      '2024-10-27T02',
      'abc',
    ];
    expect(sortPartitionKeys(hourly, keys)).toEqual([
      '2024-10-27T03',
      '2024-10-27T02+01:00',
      '2024-10-27T02',
      '2024-10-27T01',
      '2024-10-26T23',
      'abc',
      'junk',
      null,
    ]);
  });

  it('orders windows by start, not by key text', () => {
    const weird: Partitioning = { type: 'timeWindow', granularity: 'day', format: 'DD.MM.YYYY' };
    expect(sortPartitionKeys(weird, ['31.12.2023', '01.01.2024', '15.06.2023'])).toEqual([
      '01.01.2024',
      '31.12.2023',
      '15.06.2023',
    ]);
  });

  it('lists static keys in declared order, then unknown keys by string', () => {
    expect(sortPartitionKeys(regions, ['zz', 'eu', null, 'apac', 'aa', 'us'])).toEqual([
      'us',
      'eu',
      'apac',
      'aa',
      'zz',
      null,
    ]);
  });

  it('lists dynamic keys and unpartitioned keys by code unit, independent of locale', () => {
    expect(sortPartitionKeys(devices, ['b', 'B', 'a', 'ä', '10', '9'])).toEqual(['10', '9', 'B', 'a', 'b', 'ä']);
    expect(sortPartitionKeys(null, ['b', null, 'a'])).toEqual(['a', 'b', null]);
  });

  it('returns 0 only for equal keys', () => {
    expect(comparePartitionKeys(hourly, '2024-10-27T02', '2024-10-27T02')).toBe(0);
    expect(comparePartitionKeys(regions, null, null)).toBe(0);
    expect(comparePartitionKeys(hourly, '2024-10-27T02', '2024-10-27T02+01:00')).toBeGreaterThan(0);
  });

  it.each<[string, Partitioning | null, Array<string | null>]>([
    [
      'time windows',
      hourly,
      ['2024-10-27T01', '2024-10-27T02', '2024-10-27T02+01:00', 'x', 'y', null, '2024-03-31T02'],
    ],
    ['static keys', regions, ['us', 'eu', 'apac', 'x', 'a', null]],
    ['dynamic keys', devices, ['b', 'a', 'ä', '', null]],
    ['unpartitioned keys', null, ['b', 'a', null]],
    [
      'an invalid time-window partitioning',
      { type: 'timeWindow', granularity: 'day', timezone: 'Nowhere' },
      ['b', 'a', null],
    ],
  ])('is a total order for %s', (_, p, keys) => {
    expectTotalOrder(p, keys);
  });
});
