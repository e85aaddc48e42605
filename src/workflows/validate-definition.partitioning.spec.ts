import { day, producing, producedBy, problemsOf, P, type Body } from '../../test/support/builders/definition-bodies.js';

describe('validateWorkflowDefinition — partitioning', () => {
  describe('with invalid partitioning', () => {
    const partitioned = (partitioning: unknown) => producing({ assetId: 'a', partitioning: partitioning as Body });
    const Q = `${P}/partitioning`;
    it.each<[string, unknown, string, string]>([
      ['a partitioning that is not an object', 'daily', Q, 'must be an object'],
      ['a missing type', { keys: ['a'] }, `${Q}/type`, '"type" is required'],
      ['an unknown type', { type: 'hourly' }, `${Q}/type`, 'must be one of "static", "timeWindow", "dynamic"'],
      ['static without keys', { type: 'static' }, `${Q}/keys`, '"keys" is required'],
      ['static with no keys', { type: 'static', keys: [] }, `${Q}/keys`, 'at least 1 item'],
      ['an empty static key', { type: 'static', keys: [''] }, `${Q}/keys/0`, 'must not be empty'],
      ['a blank static key', { type: 'static', keys: ['  '] }, `${Q}/keys/0`, 'must not be blank'],
      ['a duplicate static key', { type: 'static', keys: ['a', 'b', 'a'] }, `${Q}/keys/2`, 'declared more than once'],
      [
        'a key of another variant',
        { type: 'static', keys: ['a'], granularity: 'day' },
        `${Q}/granularity`,
        'unknown property "granularity"',
      ],
      ['a time window without granularity', { type: 'timeWindow' }, `${Q}/granularity`, '"granularity" is required'],
      [
        'an unknown granularity',
        { type: 'timeWindow', granularity: 'year' },
        `${Q}/granularity`,
        'must be one of "minute", "hour", "day", "week", "month"',
      ],
      [
        'an unknown time zone',
        { type: 'timeWindow', granularity: 'day', timezone: 'Mars/Olympus' },
        `${Q}/timezone`,
        'not a known IANA time zone',
      ],
      [
        'a format of another granularity',
        { type: 'timeWindow', granularity: 'day', format: 'YYYY-MM' },
        `${Q}/format`,
        'must contain exactly the tokens YYYY MM DD for day windows',
      ],
      ['an impossible start', { ...day, start: '2024-02-31' }, `${Q}/start`, 'is not a valid day window'],
      [
        'a static key with surrounding spaces',
        { type: 'static', keys: [' a'] },
        `${Q}/keys/0`,
        'leading or trailing whitespace',
      ],
      ['a type that is not a string', { type: 5 }, `${Q}/type`, 'must be a string'],
      ['lookbackWindows 0', { ...day, lookbackWindows: 0 }, `${Q}/lookbackWindows`, 'must be at least 1'],
      [
        'lookbackWindows above 10,000',
        { ...day, lookbackWindows: 10_001 },
        `${Q}/lookbackWindows`,
        'must be at most 10000',
      ],
      ['maxKeys 0', { type: 'dynamic', maxKeys: 0 }, `${Q}/maxKeys`, 'must be at least 1'],
      [
        'retentionDays above 10,000',
        { type: 'dynamic', retentionDays: 10_001 },
        `${Q}/retentionDays`,
        'must be at most 10000',
      ],
      ['an unknown dynamic key', { type: 'dynamic', keys: ['a'] }, `${Q}/keys`, 'unknown property "keys"'],
    ])('reports %s', (_label, partitioning, path, message) => {
      expect(problemsOf(partitioned(partitioning))).toContainEqual({ path, message: expect.stringContaining(message) });
    });

    it('reports a partitioning that is not an object once', () => {
      expect(problemsOf(partitioned(7))).toEqual([{ path: Q, message: 'must be an object' }]);
    });
  });

  describe('across the workflow', () => {
    const S = '/steps/1/produces/0/partitioning';
    it('refuses one asset produced with two partitionings', () => {
      const body = producedBy(
        { assetId: 'a', partitioning: day },
        { assetId: 'a', partitioning: { ...day, lookbackWindows: 7 } },
      );
      expect(problemsOf(body)).toEqual([
        {
          path: S,
          message: expect.stringContaining('"a" is also produced at /steps/0/produces/0 with a different partitioning'),
        },
      ]);
    });

    it('refuses one asset produced partitioned and unpartitioned', () => {
      expect(problemsOf(producedBy({ assetId: 'a', partitioning: day }, { assetId: 'a' }))).toEqual([
        { path: S, message: expect.stringContaining('different partitioning') },
      ]);
    });

    it('refuses a static and a time-window asset in one workflow (B19)', () => {
      const body = producedBy(
        { assetId: 'a', partitioning: { type: 'static', keys: ['x'] } },
        { assetId: 'b' },
        { assetId: 'c', partitioning: day },
      );
      expect(problemsOf(body)).toEqual([
        {
          path: '/steps/2/produces/0/partitioning',
          message: expect.stringContaining('conflicts with "a" (/steps/0/produces/0): a run has one partitionKey'),
        },
      ]);
    });

    it('refuses two time windows of different granularity in one step', () => {
      const body = producing(
        { assetId: 'a', partitioning: day },
        { assetId: 'b', partitioning: { type: 'timeWindow', granularity: 'hour' } },
      );
      expect(problemsOf(body)).toEqual([
        { path: '/steps/0/produces/1/partitioning', message: expect.stringContaining('conflicts with "a"') },
      ]);
    });
  });
});
