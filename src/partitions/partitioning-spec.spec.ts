import type { Partitioning } from './partitioning.js';
import { checkPartitioningSpec } from './partitioning-spec.js';

const paths = (p: unknown) => checkPartitioningSpec(p as Partitioning).map((problem) => problem.path);

describe('checkPartitioningSpec', () => {
  it.each<Partitioning>([
    { type: 'static', keys: ['eu', 'us'] },
    { type: 'timeWindow', granularity: 'day' },
    { type: 'timeWindow', granularity: 'hour', timezone: 'Europe/Vienna', lookbackWindows: 48, start: '2024-01-01T00' },
    { type: 'timeWindow', granularity: 'minute', format: 'YYYYMMDD HH:mm', lookbackWindows: 10_000 },
    { type: 'timeWindow', granularity: 'week', start: '2024-01-01', timezone: 'America/New_York' },
    { type: 'timeWindow', granularity: 'month', format: 'YYYY/MM', lookbackWindows: 1 },
    { type: 'dynamic' },
    { type: 'dynamic', maxKeys: 1000, retentionDays: 120 },
  ])('accepts %j', (p) => {
    expect(checkPartitioningSpec(p)).toEqual([]);
  });

  describe('static', () => {
    it('needs at least one key', () => {
      expect(checkPartitioningSpec({ type: 'static', keys: [] })).toEqual([
        { path: '/keys', message: 'a static partitioning needs at least one key' },
      ]);
    });

    it('names each bad key by index', () => {
      const problems = checkPartitioningSpec({
        type: 'static',
        keys: ['eu', ' ', 'eu', ' us', 'x'.repeat(201), 'a\u0000'],
      });
      expect(problems.map((problem) => problem.path)).toEqual(['/keys/1', '/keys/2', '/keys/3', '/keys/4', '/keys/5']);
      expect(problems[0]?.message).toBe('a static key must not be blank');
      expect(problems[1]?.message).toBe('static key "eu" is declared more than once');
      expect(problems[2]?.message).toMatch(/leading or trailing whitespace/);
      expect(problems[3]?.message).toMatch(/longer than 200 characters/);
      expect(problems[4]?.message).toMatch(/control characters/);
    });

    it('accepts a key of exactly 200 characters and keys differing only in case', () => {
      expect(checkPartitioningSpec({ type: 'static', keys: ['x'.repeat(200), 'EU', 'eu'] })).toEqual([]);
    });
  });

  describe('timeWindow', () => {
    it('reports an unknown timezone', () => {
      expect(checkPartitioningSpec({ type: 'timeWindow', granularity: 'day', timezone: 'Mars/Olympus' })).toEqual([
        {
          path: '/timezone',
          message: 'timezone "Mars/Olympus" is not a known IANA time zone (e.g. UTC, Europe/Vienna)',
        },
      ]);
      expect(paths({ type: 'timeWindow', granularity: 'day', timezone: '' })).toEqual(['/timezone']);
    });

    it('reports an unknown granularity', () => {
      expect(paths({ type: 'timeWindow', granularity: 'year' })).toEqual(['/granularity']);
    });

    it.each([
      ['day', 'YYYY-MM-DDTHH', /HH is finer than a day/],
      ['hour', 'YYYY-MM-DD', /missing HH/],
      ['minute', 'YYYY-MM-DDTHH', /missing mm/],
      ['month', 'YYYY-MM-DD', /DD is finer than a month/],
      ['week', 'YYYY-MM', /missing DD/],
      ['day', 'YYYY-MM-DD!', /unsupported character "!"/],
      ['day', 'yyyy-MM-dd', /unsupported character "y"/],
      ['day', 'YYYY-MM-DD-DD', /DD more than once/],
      ['day', '', /missing YYYY MM DD/],
    ] as const)('reports a %s format %p', (granularity, format, message) => {
      const problems = checkPartitioningSpec({ type: 'timeWindow', granularity, format });
      expect(problems).toHaveLength(1);
      expect(problems[0]?.path).toBe('/format');
      expect(problems[0]?.message).toMatch(message);
    });

    it.each([0, -1, 1.5, 10_001, Number.NaN])('reports lookbackWindows %p', (lookbackWindows) => {
      expect(paths({ type: 'timeWindow', granularity: 'day', lookbackWindows })).toEqual(['/lookbackWindows']);
    });

    it.each([
      ['day', undefined, '2024-02-31'],
      ['day', undefined, '2024-01-05T00'],
      ['week', undefined, '2024-01-02'],
      ['hour', 'Europe/Vienna', '2024-03-31T02'],
      ['day', 'Europe/Vienna', 2024],
    ] as const)('reports a %s start that is not a key of the spec: %p', (granularity, timezone, start) => {
      const problems = checkPartitioningSpec({ type: 'timeWindow', granularity, timezone, start } as Partitioning);
      expect(problems).toHaveLength(1);
      expect(problems[0]?.path).toBe('/start');
    });

    it('explains a bad start in the asset format', () => {
      expect(checkPartitioningSpec({ type: 'timeWindow', granularity: 'week', start: '2024-01-02' })).toEqual([
        {
          path: '/start',
          message:
            'start "2024-01-02" is not a valid week window in format YYYY-MM-DD: 2024-01-02 is a Tuesday; week windows start on Monday',
        },
      ]);
    });

    it('lists every problem at once', () => {
      expect(
        paths({ type: 'timeWindow', granularity: 'day', timezone: 'Nowhere', format: 'YYYY', lookbackWindows: 0 }),
      ).toEqual(['/timezone', '/lookbackWindows', '/format']);
    });
  });

  describe('dynamic', () => {
    it.each([0, -3, 2.5, '10'])('reports maxKeys and retentionDays of %p', (value) => {
      expect(paths({ type: 'dynamic', maxKeys: value, retentionDays: value })).toEqual(['/maxKeys', '/retentionDays']);
    });
  });

  it('reports an unknown type', () => {
    expect(paths({ type: 'range' })).toEqual(['/type']);
  });
});
