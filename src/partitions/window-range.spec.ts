import type { TimeGranularity, TimeWindowPartitioning } from './partitioning.js';
import { enumerateWindowRange } from './window-range.js';

const tw = (granularity: TimeGranularity, extra: Partial<TimeWindowPartitioning> = {}): TimeWindowPartitioning => ({
  type: 'timeWindow',
  granularity,
  ...extra,
});

describe('enumerateWindowRange', () => {
  it.each([
    [
      'minute',
      '2024-01-05T23:58',
      '2024-01-06T00:01',
      ['2024-01-05T23:58', '2024-01-05T23:59', '2024-01-06T00:00', '2024-01-06T00:01'],
    ],
    ['hour', '2024-01-05T22', '2024-01-06T01', ['2024-01-05T22', '2024-01-05T23', '2024-01-06T00', '2024-01-06T01']],
    ['day', '2024-02-27', '2024-03-01', ['2024-02-27', '2024-02-28', '2024-02-29', '2024-03-01']],
    ['week', '2023-12-25', '2024-01-08', ['2023-12-25', '2024-01-01', '2024-01-08']],
    ['month', '2023-11', '2024-02', ['2023-11', '2023-12', '2024-01', '2024-02']],
  ] as const)('lists %s windows oldest first, both ends included', (granularity, from, to, expected) => {
    expect(enumerateWindowRange(tw(granularity), from, to, 100)).toEqual({ ok: true, keys: expected });
  });

  it('lists one window when from equals to', () => {
    expect(enumerateWindowRange(tw('day'), '2024-01-05', '2024-01-05', 100)).toEqual({
      ok: true,
      keys: ['2024-01-05'],
    });
  });

  it('walks through a spring-forward gap: the missing local hour has no window', () => {
    const result = enumerateWindowRange(
      tw('hour', { timezone: 'Europe/Vienna' }),
      '2024-03-31T00',
      '2024-03-31T04',
      100,
    );
    expect(result).toEqual({ ok: true, keys: ['2024-03-31T00', '2024-03-31T01', '2024-03-31T03', '2024-03-31T04'] });
  });

  it('lists the repeated hour of a fall-back twice, the second keyed with its offset', () => {
    const result = enumerateWindowRange(
      tw('hour', { timezone: 'Europe/Vienna' }),
      '2024-10-27T01',
      '2024-10-27T03',
      100,
    );
    expect(result).toEqual({
      ok: true,
      keys: ['2024-10-27T01', '2024-10-27T02', '2024-10-27T02+01:00', '2024-10-27T03'],
    });
  });

  it('counts a 25-hour local day as one window', () => {
    const result = enumerateWindowRange(tw('day', { timezone: 'Europe/Vienna' }), '2024-10-26', '2024-10-28', 100);
    expect(result).toEqual({ ok: true, keys: ['2024-10-26', '2024-10-27', '2024-10-28'] });
  });

  it('refuses an end that is not a valid key, naming the end', () => {
    expect(enumerateWindowRange(tw('day'), '2024-02-31', '2024-03-02', 100)).toMatchObject({
      ok: false,
      field: 'from',
      code: 'invalid_partition_key',
    });
    expect(
      enumerateWindowRange(tw('hour', { timezone: 'Europe/Vienna' }), '2024-03-31T00', '2024-03-31T02', 100),
    ).toMatchObject({
      ok: false,
      field: 'to',
      code: 'invalid_partition_key',
    });
  });

  it('refuses a reversed range', () => {
    expect(enumerateWindowRange(tw('day'), '2024-01-05', '2024-01-04', 100)).toMatchObject({
      ok: false,
      field: 'to',
      code: 'invalid_partition_range',
    });
  });

  it('refuses a range with more windows than the maximum, and takes one with exactly the maximum', () => {
    expect(enumerateWindowRange(tw('day'), '2024-01-01', '2024-01-04', 3)).toMatchObject({
      ok: false,
      code: 'too_many_partitions',
    });
    expect(enumerateWindowRange(tw('day'), '2024-01-01', '2024-01-03', 3)).toEqual({
      ok: true,
      keys: ['2024-01-01', '2024-01-02', '2024-01-03'],
    });
  });

  it("enumerates 10,000 distinct minute windows across a zone's clock change", () => {
    const result = enumerateWindowRange(
      tw('minute', { timezone: 'America/New_York' }),
      '2024-03-08T00:00',
      '2024-03-14T23:39',
      10_000,
    );
    expect(result.ok && result.keys.length).toBe(10_000);
    expect(result.ok && new Set(result.keys).size).toBe(10_000);
    expect(result.ok && result.keys.includes('2024-03-10T02:30')).toBe(false);
  });
});
