import type { TimeGranularity, TimeWindowPartitioning } from './partitioning.js';
import { enumerateWindowKeys, isWithinLookback } from './window-enumeration.js';
import { keyForInstant, windowForKey } from './window-keys.js';

const tw = (granularity: TimeGranularity, extra: Partial<TimeWindowPartitioning> = {}): TimeWindowPartitioning => ({
  type: 'timeWindow',
  granularity,
  ...extra,
});
const now = new Date('2024-01-05T12:34:56Z');

describe('enumerateWindowKeys', () => {
  it.each([
    ['minute', ['2024-01-05T12:34', '2024-01-05T12:33', '2024-01-05T12:32']],
    ['hour', ['2024-01-05T12', '2024-01-05T11', '2024-01-05T10']],
    ['day', ['2024-01-05', '2024-01-04', '2024-01-03']],
    ['week', ['2024-01-01', '2023-12-25', '2023-12-18']],
    ['month', ['2024-01', '2023-12', '2023-11']],
  ] as const)('lists %s windows newest first from the current one', (granularity, expected) => {
    expect(enumerateWindowKeys(tw(granularity), { now, lookback: 3 })).toEqual(expected);
  });

  it.each([
    ['minute', 60],
    ['hour', 24],
    ['day', 14],
    ['week', 8],
    ['month', 12],
  ] as const)('lists %s windows over the default lookback of %i', (granularity, count) => {
    const keys = enumerateWindowKeys(tw(granularity), { now });
    expect(keys).toHaveLength(count);
    expect(new Set(keys).size).toBe(count);
  });

  it('prefers an explicit lookback over lookbackWindows, and lookbackWindows over the default', () => {
    expect(enumerateWindowKeys(tw('day', { lookbackWindows: 30 }), { now })).toHaveLength(30);
    expect(enumerateWindowKeys(tw('day', { lookbackWindows: 30 }), { now, lookback: 2 })).toEqual([
      '2024-01-05',
      '2024-01-04',
    ]);
  });

  it('walks back to start, inclusive, and never before it', () => {
    const p = tw('day', { start: '2024-01-02', lookbackWindows: 2 });
    expect(enumerateWindowKeys(p, { now })).toEqual(['2024-01-05', '2024-01-04', '2024-01-03', '2024-01-02']);
    expect(enumerateWindowKeys(p, { now, lookback: 2 })).toEqual(['2024-01-05', '2024-01-04']);
    expect(enumerateWindowKeys(p, { now, lookback: 100 })).toHaveLength(4);
    expect(enumerateWindowKeys(tw('day', { start: '2024-02-01' }), { now })).toEqual([]);
  });

  it('caps at 10,000 windows and clamps a lookback below 1', () => {
    expect(enumerateWindowKeys(tw('minute'), { now, lookback: 50_000 })).toHaveLength(10_000);
    expect(enumerateWindowKeys(tw('minute', { start: '2000-01-01T00:00' }), { now })).toHaveLength(10_000);
    expect(enumerateWindowKeys(tw('day'), { now, lookback: 0 })).toEqual(['2024-01-05']);
  });

  it('lists both occurrences of a repeated hour, newest first', () => {
    const p = tw('hour', { timezone: 'Europe/Vienna' });
    expect(enumerateWindowKeys(p, { now: new Date('2024-10-27T02:30:00Z'), lookback: 4 })).toEqual([
      '2024-10-27T03',
      '2024-10-27T02+01:00',
      '2024-10-27T02',
      '2024-10-27T01',
    ]);
  });

  it('skips the hour the clocks skip', () => {
    const p = tw('hour', { timezone: 'Europe/Vienna' });
    expect(enumerateWindowKeys(p, { now: new Date('2024-03-31T01:30:00Z'), lookback: 3 })).toEqual([
      '2024-03-31T03',
      '2024-03-31T01',
      '2024-03-31T00',
    ]);
  });

  it('lists Vienna days across both clock changes', () => {
    const p = tw('day', { timezone: 'Europe/Vienna' });
    expect(enumerateWindowKeys(p, { now: new Date('2024-04-01T10:00:00Z'), lookback: 3 })).toEqual([
      '2024-04-01',
      '2024-03-31',
      '2024-03-30',
    ]);
  });

  it.each([
    ['hour', 'Europe/Vienna', '2024-10-28T00:00:00Z', 72],
    ['minute', 'Europe/Vienna', '2024-10-27T02:10:00Z', 150],
    ['minute', 'Europe/Vienna', '2024-03-31T01:10:00Z', 150],
    ['day', 'Europe/Vienna', '2024-11-01T00:00:00Z', 250],
    ['hour', 'America/New_York', '2024-11-04T00:00:00Z', 72],
    ['hour', 'Australia/Lord_Howe', '2024-04-07T00:00:00Z', 48],
    ['hour', 'Australia/Lord_Howe', '2024-10-07T00:00:00Z', 48],
    ['day', 'America/Santiago', '2024-09-10T00:00:00Z', 5],
    ['day', 'Pacific/Apia', '2012-01-02T00:00:00Z', 5],
    ['week', 'Europe/Vienna', '2024-11-01T00:00:00Z', 60],
    ['month', 'America/New_York', '2024-12-15T00:00:00Z', 24],
  ] as const)('tiles time with contiguous, round-tripping %s windows in %s', (granularity, timezone, at, lookback) => {
    const p = tw(granularity, { timezone });
    const keys = enumerateWindowKeys(p, { now: new Date(at), lookback });
    const windows = keys.map((key) => windowForKey(p, key));
    windows.forEach((window, i) => {
      if (!window) throw new Error(`key ${keys[i]} did not round-trip`);
      expect(keyForInstant(p, window.windowStart)).toBe(keys[i]);
      expect(keyForInstant(p, new Date(Date.parse(window.windowEnd) - 1))).toBe(keys[i]);
      if (i > 0) expect(window.windowEnd).toBe(windows[i - 1]?.windowStart);
    });
  });
});

describe('isWithinLookback', () => {
  it('counts the current window and the ones before it', () => {
    const p = tw('day', { lookbackWindows: 3 });
    expect(isWithinLookback(p, '2024-01-05', now)).toBe(true);
    expect(isWithinLookback(p, '2024-01-03', now)).toBe(true);
    expect(isWithinLookback(p, '2024-01-02', now)).toBe(false);
  });

  it('is false for a future window and an invalid key', () => {
    expect(isWithinLookback(tw('day'), '2024-01-06', now)).toBe(false);
    expect(isWithinLookback(tw('day'), '2024-02-31', now)).toBe(false);
  });

  it.each([
    ['minute', '2024-01-05T11:35', '2024-01-05T11:34'],
    ['hour', '2024-01-04T13', '2024-01-04T12'],
    ['day', '2023-12-23', '2023-12-22'],
    ['week', '2023-11-13', '2023-11-06'],
    ['month', '2023-02', '2023-01'],
  ] as const)('uses the default lookback for %s windows', (granularity, inside, outside) => {
    expect(isWithinLookback(tw(granularity), inside, now)).toBe(true);
    expect(isWithinLookback(tw(granularity), outside, now)).toBe(false);
  });

  it('counts both occurrences of a repeated hour and no skipped hour', () => {
    const p = tw('hour', { timezone: 'Europe/Vienna', lookbackWindows: 3 });
    const at = new Date('2024-10-27T02:30:00Z');
    expect(isWithinLookback(p, '2024-10-27T02', at)).toBe(true);
    expect(isWithinLookback(p, '2024-10-27T01', at)).toBe(false);
    const spring = tw('hour', { timezone: 'Europe/Vienna', lookbackWindows: 2 });
    expect(isWithinLookback(spring, '2024-03-31T01', new Date('2024-03-31T01:30:00Z'))).toBe(true);
  });

  it('agrees with enumeration', () => {
    const p = tw('hour', { timezone: 'Europe/Vienna', lookbackWindows: 30 });
    const at = new Date('2024-10-27T12:00:00Z');
    const keys = enumerateWindowKeys(p, { now: at, lookback: 40 });
    expect(keys.map((key) => isWithinLookback(p, key, at))).toEqual(keys.map((_, i) => i < 30));
  });
});
