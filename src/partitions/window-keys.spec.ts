import type { TimeGranularity, TimeWindowPartitioning } from './partitioning.js';
import { keyForInstant, windowForKey } from './window-keys.js';

const tw = (granularity: TimeGranularity, extra: Partial<TimeWindowPartitioning> = {}): TimeWindowPartitioning => ({
  type: 'timeWindow',
  granularity,
  ...extra,
});
const vienna = (granularity: TimeGranularity) => tw(granularity, { timezone: 'Europe/Vienna' });
const bounds = (windowStart: string, windowEnd: string) => ({ windowStart, windowEnd });

describe('time-window keys in UTC', () => {
  it.each([
    ['minute', '2024-01-05T13:07', '2024-01-05T13:07:00.000Z', '2024-01-05T13:08:00.000Z'],
    ['hour', '2024-01-05T13', '2024-01-05T13:00:00.000Z', '2024-01-05T14:00:00.000Z'],
    ['day', '2024-01-05', '2024-01-05T00:00:00.000Z', '2024-01-06T00:00:00.000Z'],
    ['week', '2024-01-01', '2024-01-01T00:00:00.000Z', '2024-01-08T00:00:00.000Z'],
    ['month', '2024-12', '2024-12-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z'],
  ] as const)('maps a %s key to its window and back', (granularity, key, start, end) => {
    expect(windowForKey(tw(granularity), key)).toEqual(bounds(start, end));
    expect(keyForInstant(tw(granularity), start)).toBe(key);
    expect(keyForInstant(tw(granularity), new Date(Date.parse(end) - 1))).toBe(key);
  });

  it('gives the window containing an instant', () => {
    const instant = new Date('2024-01-05T13:07:42.123Z');
    expect(keyForInstant(tw('minute'), instant)).toBe('2024-01-05T13:07');
    expect(keyForInstant(tw('hour'), instant)).toBe('2024-01-05T13');
    expect(keyForInstant(tw('day'), instant)).toBe('2024-01-05');
    expect(keyForInstant(tw('week'), instant)).toBe('2024-01-01');
    expect(keyForInstant(tw('month'), instant)).toBe('2024-01');
  });

  it('reads an ISO string without an offset as UTC and honours an explicit offset', () => {
    expect(keyForInstant(tw('hour'), '2024-01-05T13:30')).toBe('2024-01-05T13');
    expect(keyForInstant(tw('hour'), '2024-01-05T13:30+02:00')).toBe('2024-01-05T11');
  });

  it('throws a RangeError for an invalid instant or partitioning', () => {
    expect(() => keyForInstant(tw('day'), 'not a date')).toThrow(RangeError);
    expect(() => keyForInstant(tw('day'), new Date(Number.NaN))).toThrow(RangeError);
    expect(() => keyForInstant(tw('day', { timezone: 'Mars/Olympus' }), '2024-01-05T00:00Z')).toThrow(/timezone/);
  });

  it.each([
    ['day', '2024-02-31'],
    ['day', '2024-02-30'],
    ['day', '2024-13-01'],
    ['day', '2023-02-29'],
    ['day', '2024-1-05'],
    ['day', ' 2024-01-05'],
    ['day', '2024-01-05T00'],
    ['hour', '2024-01-05T24'],
    ['minute', '2024-01-05T13:60'],
    ['month', '2024-00'],
    ['month', '2024-01-01'],
  ] as const)('rejects the %s key %p', (granularity, key) => {
    expect(windowForKey(tw(granularity), key)).toBeNull();
  });

  it('accepts 29 February only in a leap year', () => {
    expect(windowForKey(tw('day'), '2024-02-29')).toEqual(
      bounds('2024-02-29T00:00:00.000Z', '2024-03-01T00:00:00.000Z'),
    );
    expect(windowForKey(tw('day'), '2023-02-29')).toBeNull();
    expect(windowForKey(tw('month'), '2024-02')?.windowEnd).toBe('2024-03-01T00:00:00.000Z');
  });

  it('starts weeks on Monday', () => {
    expect(windowForKey(tw('week'), '2024-01-02')).toBeNull();
    expect(keyForInstant(tw('week'), '2024-01-07T23:59:59.999Z')).toBe('2024-01-01');
    expect(keyForInstant(tw('week'), '2024-01-08T00:00:00Z')).toBe('2024-01-08');
    expect(keyForInstant(tw('week'), '2025-01-01T12:00Z')).toBe('2024-12-30');
  });
});

describe('time-window keys in a zone', () => {
  it('computes windows in the zone: America/New_York and UTC disagree on the day of an instant', () => {
    const instant = '2024-01-05T03:00:00Z';
    expect(keyForInstant(tw('day'), instant)).toBe('2024-01-05');
    expect(keyForInstant(tw('day', { timezone: 'America/New_York' }), instant)).toBe('2024-01-04');
    expect(windowForKey(tw('day', { timezone: 'America/New_York' }), '2024-01-04')).toEqual(
      bounds('2024-01-04T05:00:00.000Z', '2024-01-05T05:00:00.000Z'),
    );
  });

  it('handles zones with a sub-hour offset (Asia/Kathmandu, +05:45)', () => {
    const p = tw('hour', { timezone: 'Asia/Kathmandu' });
    expect(keyForInstant(p, '2024-01-05T00:00:00Z')).toBe('2024-01-05T05');
    expect(windowForKey(p, '2024-01-05T05')).toEqual(bounds('2024-01-04T23:15:00.000Z', '2024-01-05T00:15:00.000Z'));
  });

  it('uses the local 1st of the month and the local Monday', () => {
    expect(windowForKey(vienna('month'), '2024-03')).toEqual(
      bounds('2024-02-29T23:00:00.000Z', '2024-03-31T22:00:00.000Z'),
    );
    expect(keyForInstant(vienna('week'), '2024-01-07T23:30:00Z')).toBe('2024-01-08');
  });
});

describe('daylight saving in Europe/Vienna', () => {
  describe('spring forward (2024-03-31, 02:00 → 03:00)', () => {
    it('makes the day 23 hours long, from local midnight to local midnight', () => {
      expect(windowForKey(vienna('day'), '2024-03-31')).toEqual(
        bounds('2024-03-30T23:00:00.000Z', '2024-03-31T22:00:00.000Z'),
      );
    });

    it('rejects the hour and minutes the clocks skip', () => {
      expect(windowForKey(vienna('hour'), '2024-03-31T02')).toBeNull();
      expect(windowForKey(vienna('minute'), '2024-03-31T02:30')).toBeNull();
      expect(windowForKey(vienna('minute'), '2024-03-31T02:00')).toBeNull();
    });

    it('joins the hours around the gap', () => {
      expect(windowForKey(vienna('hour'), '2024-03-31T01')).toEqual(
        bounds('2024-03-31T00:00:00.000Z', '2024-03-31T01:00:00.000Z'),
      );
      expect(windowForKey(vienna('hour'), '2024-03-31T03')).toEqual(
        bounds('2024-03-31T01:00:00.000Z', '2024-03-31T02:00:00.000Z'),
      );
      expect(keyForInstant(vienna('hour'), '2024-03-31T01:00:00Z')).toBe('2024-03-31T03');
      expect(keyForInstant(vienna('minute'), '2024-03-31T00:59:30Z')).toBe('2024-03-31T01:59');
      expect(keyForInstant(vienna('minute'), '2024-03-31T01:00:00Z')).toBe('2024-03-31T03:00');
    });
  });

  describe('fall back (2024-10-27, 03:00 → 02:00)', () => {
    it('makes the day 25 hours long', () => {
      expect(windowForKey(vienna('day'), '2024-10-27')).toEqual(
        bounds('2024-10-26T22:00:00.000Z', '2024-10-27T23:00:00.000Z'),
      );
      expect(keyForInstant(vienna('day'), '2024-10-27T01:30:00Z')).toBe('2024-10-27');
    });

    it('keys the first 02 hour plainly and the second with its offset', () => {
      expect(keyForInstant(vienna('hour'), '2024-10-27T00:30:00Z')).toBe('2024-10-27T02');
      expect(keyForInstant(vienna('hour'), '2024-10-27T01:30:00Z')).toBe('2024-10-27T02+01:00');
      expect(keyForInstant(vienna('hour'), '2024-10-27T02:30:00Z')).toBe('2024-10-27T03');
      expect(windowForKey(vienna('hour'), '2024-10-27T02')).toEqual(
        bounds('2024-10-27T00:00:00.000Z', '2024-10-27T01:00:00.000Z'),
      );
      expect(windowForKey(vienna('hour'), '2024-10-27T02+01:00')).toEqual(
        bounds('2024-10-27T01:00:00.000Z', '2024-10-27T02:00:00.000Z'),
      );
    });

    it('keys repeated minutes the same way', () => {
      expect(keyForInstant(vienna('minute'), '2024-10-27T00:30:00Z')).toBe('2024-10-27T02:30');
      expect(keyForInstant(vienna('minute'), '2024-10-27T01:30:00Z')).toBe('2024-10-27T02:30+01:00');
      expect(windowForKey(vienna('minute'), '2024-10-27T02:30+01:00')).toEqual(
        bounds('2024-10-27T01:30:00.000Z', '2024-10-27T01:31:00.000Z'),
      );
    });

    it('rejects offsets that are not the second occurrence', () => {
      expect(windowForKey(vienna('hour'), '2024-10-27T02+02:00')).toBeNull();
      expect(windowForKey(vienna('hour'), '2024-10-27T01+01:00')).toBeNull();
      expect(windowForKey(vienna('hour'), '2024-10-27T02+03:00')).toBeNull();
      expect(windowForKey(vienna('day'), '2024-10-27+01:00')).toBeNull();
      expect(windowForKey(tw('hour'), '2024-10-27T02+00:00')).toBeNull();
    });
  });
});

describe('custom formats', () => {
  it.each([
    ['day', 'YYYYMMDD', '20240105', '2024-01-05T00:00:00.000Z'],
    ['hour', 'YYYY/MM/DD HH', '2024/01/05 13', '2024-01-05T13:00:00.000Z'],
    ['minute', 'DD.MM.YYYY HH:mm', '05.01.2024 13:07', '2024-01-05T13:07:00.000Z'],
    ['month', 'MM_YYYY', '01_2024', '2024-01-01T00:00:00.000Z'],
    ['week', 'YYYY.MM.DD', '2024.01.01', '2024-01-01T00:00:00.000Z'],
  ] as const)('%s windows in %s', (granularity, format, key, start) => {
    const p = tw(granularity, { format });
    expect(windowForKey(p, key)?.windowStart).toBe(start);
    expect(keyForInstant(p, start)).toBe(key);
  });

  it('appends the offset to a repeated hour in a custom format', () => {
    const p = tw('hour', { timezone: 'Europe/Vienna', format: 'YYYYMMDD_HH' });
    expect(keyForInstant(p, '2024-10-27T01:30:00Z')).toBe('20241027_02+01:00');
    expect(windowForKey(p, '20241027_02+01:00')?.windowStart).toBe('2024-10-27T01:00:00.000Z');
  });
});
