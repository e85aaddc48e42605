import { validateWorkflowDefinition, type ValidationProblem } from './validate-definition.js';

type Body = Record<string, unknown>;
const day = { type: 'timeWindow', granularity: 'day', format: 'YYYY-MM-DD', lookbackWindows: 30 };

/** The reference's retail-sales-daily-ingest workflow (§5.6): two steps, one day partitioning. */
const retailIngest = {
  slug: 'retail-sales-daily-ingest',
  name: 'Retail sales daily ingest',
  steps: [
    {
      id: 'load-partition',
      jobSlug: 'retail-sales-csv-loader',
      produces: [{ assetId: 'retail.sales.raw', partitioning: day }],
    },
    {
      id: 'build-parquet',
      jobSlug: 'retail-sales-parquet-builder',
      dependsOn: ['load-partition'],
      consumes: [{ assetId: 'retail.sales.raw' }],
      produces: [{ assetId: 'retail.sales.parquet', partitioning: day, freshness: { maxAgeMs: 86_400_000 } }],
    },
  ],
};

const withStep = (step: Body): Body => ({
  slug: 'etl',
  name: 'ETL',
  steps: [{ id: 'load', jobSlug: 'load', ...step }],
});
const producing = (...produces: Body[]): Body => withStep({ produces });
const consuming = (...consumes: Body[]): Body => withStep({ consumes });
const producedBy = (...produces: Body[]): Body => ({
  slug: 'etl',
  name: 'ETL',
  steps: produces.map((declaration, i) => ({ id: `s${i}`, jobSlug: 'j', produces: [declaration] })),
});

function problemsOf(body: unknown): ValidationProblem[] {
  const result = validateWorkflowDefinition(body);
  if (result.ok) throw new Error('expected problems, got a valid definition');
  return result.errors;
}

const P = '/steps/0/produces/0';

describe('validateWorkflowDefinition — asset declarations', () => {
  describe('with valid declarations', () => {
    it('accepts the retail ingest workflow unchanged apart from step defaults', () => {
      const result = validateWorkflowDefinition(retailIngest);
      expect(result.ok && result.value.steps[1]).toEqual({
        ...retailIngest.steps[1],
        type: 'job',
        produces: retailIngest.steps[1]!.produces,
        retries: 0,
      });
    });

    it.each<[string, Body]>([
      ['asset ids with colons, dashes, underscores and many tokens', producing({ assetId: 'a:b-c_d.E1.x:y' })],
      ['an asset id of 200 characters', producing({ assetId: `${'a'.repeat(99)}.${'b'.repeat(100)}` })],
      [
        'freshness at its bounds',
        producing({ assetId: 'a', freshness: { ttlMs: 31_536_000_000, cadenceMs: 1, maxAgeMs: 1 } }),
      ],
      ['any JSON as parameterDefaults', producing({ assetId: 'a', autoMaterialize: { parameterDefaults: [1, 'x'] } })],
      [
        'autoMaterialize at its bounds',
        producing({ assetId: 'a', autoMaterialize: { enabled: false, priority: 1_000_000 } }),
      ],
      [
        'a static partitioning',
        producing({ assetId: 'a', partitioning: { type: 'static', keys: ['2024-01', '2024-02'] } }),
      ],
      [
        'a full time window',
        producing({ assetId: 'a', partitioning: { ...day, timezone: 'Europe/Vienna', start: '2024-01-01' } }),
      ],
      [
        'a dynamic partitioning',
        producing({ assetId: 'a', partitioning: { type: 'dynamic', maxKeys: 1000, retentionDays: 120 } }),
      ],
      [
        'the same asset consumed by two steps',
        { ...retailIngest, steps: retailIngest.steps.map((s) => ({ ...s, consumes: [{ assetId: 'x' }] })) },
      ],
      [
        'one asset produced by two steps alike',
        producedBy({ assetId: 'a', partitioning: day }, { assetId: 'a', partitioning: { ...day } }),
      ],
      [
        'a dynamic asset next to a time window',
        producedBy({ assetId: 'a', partitioning: day }, { assetId: 'b', partitioning: { type: 'dynamic' } }),
      ],
      [
        'a time window next to an unpartitioned asset',
        producedBy({ assetId: 'a', partitioning: day }, { assetId: 'b' }),
      ],
      [
        'a consumed asset partitioned differently',
        withStep({
          produces: [{ assetId: 'a', partitioning: day }],
          consumes: [{ assetId: 'b', partitioning: { type: 'static', keys: ['x'] } }],
        }),
      ],
      [
        'one $id in two payload schemas',
        producing(
          { assetId: 'a', schema: { $id: 'https://example.com/s.json' } },
          { assetId: 'b', schema: { $id: 'https://example.com/s.json' } },
        ),
      ],
    ])('accepts %s', (_label, body) => {
      expect(validateWorkflowDefinition(body)).toMatchObject({ ok: true });
    });

    it('accepts the same payload schema $id again on a later validation', () => {
      const body = producing({
        assetId: 'a',
        schema: { $id: 'http://json-schema.org/draft-07/schema#', type: 'object' },
      });
      expect(validateWorkflowDefinition(body)).toMatchObject({ ok: true });
      expect(validateWorkflowDefinition(body)).toMatchObject({ ok: true });
      expect(validateWorkflowDefinition(producing({ assetId: 'a', schema: { type: 'object' } }))).toMatchObject({
        ok: true,
      });
    });
  });

  describe('with invalid declarations', () => {
    it.each<[string, Body, string, string]>([
      ['a declaration without assetId', producing({}), `${P}/assetId`, '"assetId" is required'],
      [
        'an unknown declaration key',
        producing({ assetId: 'a', freshnes: {} }),
        `${P}/freshnes`,
        'unknown property "freshnes"',
      ],
      ['an empty dot-token', producing({ assetId: 'a..b' }), `${P}/assetId`, 'no empty tokens'],
      ['a leading dot', producing({ assetId: '.a' }), `${P}/assetId`, 'no empty tokens'],
      ['a trailing dot', producing({ assetId: 'a.' }), `${P}/assetId`, 'no empty tokens'],
      ['a wildcard', producing({ assetId: 'a.*' }), `${P}/assetId`, 'wildcards'],
      ['a tail wildcard', producing({ assetId: 'a.>' }), `${P}/assetId`, 'wildcards'],
      ['a space', producing({ assetId: 'a b' }), `${P}/assetId`, 'spaces'],
      [
        'an asset id of 201 characters',
        producing({ assetId: 'a'.repeat(201) }),
        `${P}/assetId`,
        'at most 200 characters',
      ],
      [
        'an asset produced twice by a step',
        producing({ assetId: 'a' }, { assetId: 'a' }),
        '/steps/0/produces/1/assetId',
        `duplicate asset "a" (also ${P})`,
      ],
      [
        'an asset consumed twice by a step',
        consuming({ assetId: 'a' }, { assetId: 'a' }),
        '/steps/0/consumes/1/assetId',
        'duplicate asset "a"',
      ],
      [
        'a step consuming its own product',
        withStep({ produces: [{ assetId: 'a' }], consumes: [{ assetId: 'a' }] }),
        '/steps/0/consumes/0/assetId',
        'cannot consume "a", which it produces itself',
      ],
      [
        'a schema that is not an object',
        producing({ assetId: 'a', schema: 'object' }),
        `${P}/schema`,
        'must be an object',
      ],
      [
        'a schema that does not compile',
        producing({ assetId: 'a', schema: { type: 'objekt' } }),
        `${P}/schema`,
        'schema is invalid',
      ],
      [
        'a schema with an unresolvable $ref',
        producing({ assetId: 'a', schema: { $ref: '#/definitions/nope' } }),
        `${P}/schema`,
        "can't resolve reference",
      ],
      [
        'an empty freshness',
        producing({ assetId: 'a', freshness: {} }),
        `${P}/freshness`,
        'at least one of ttlMs, cadenceMs, maxAgeMs',
      ],
      ['ttlMs 0', producing({ assetId: 'a', freshness: { ttlMs: 0 } }), `${P}/freshness/ttlMs`, 'must be at least 1'],
      [
        'cadenceMs above a year',
        producing({ assetId: 'a', freshness: { cadenceMs: 31_536_000_001 } }),
        `${P}/freshness/cadenceMs`,
        'must be at most 31536000000',
      ],
      [
        'a fractional maxAgeMs',
        producing({ assetId: 'a', freshness: { maxAgeMs: 1.5 } }),
        `${P}/freshness/maxAgeMs`,
        'must be an integer',
      ],
      [
        'a snake_case freshness key',
        producing({ assetId: 'a', freshness: { ttl_ms: 5 } }),
        `${P}/freshness/ttl_ms`,
        'unknown property "ttl_ms"',
      ],
      [
        'an empty autoMaterialize',
        producing({ assetId: 'a', autoMaterialize: {} }),
        `${P}/autoMaterialize`,
        'at least one of onUpstreamUpdate, enabled, priority, parameterDefaults',
      ],
      [
        'a non-boolean onUpstreamUpdate',
        producing({ assetId: 'a', autoMaterialize: { onUpstreamUpdate: 'yes' } }),
        `${P}/autoMaterialize/onUpstreamUpdate`,
        'must be a boolean',
      ],
      [
        'a negative priority',
        producing({ assetId: 'a', autoMaterialize: { priority: -1 } }),
        `${P}/autoMaterialize/priority`,
        'must be at least 0',
      ],
      [
        'a priority above 1,000,000',
        producing({ assetId: 'a', autoMaterialize: { priority: 1_000_001 } }),
        `${P}/autoMaterialize/priority`,
        'must be at most 1000000',
      ],
      [
        'an unknown autoMaterialize key',
        producing({ assetId: 'a', autoMaterialize: { onUpdate: true } }),
        `${P}/autoMaterialize/onUpdate`,
        'unknown property',
      ],
      [
        'autoMaterialize on a consumed asset',
        consuming({ assetId: 'a', autoMaterialize: { onUpstreamUpdate: true } }),
        '/steps/0/consumes/0/autoMaterialize',
        "autoMaterialize applies to produced assets; declare it on the step's produces entry",
      ],
    ])('reports %s', (_label, body, path, message) => {
      expect(problemsOf(body)).toContainEqual({ path, message: expect.stringContaining(message) });
    });
  });

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
