import { validateWorkflowDefinition } from './validate-definition.js';
import {
  day,
  retailIngest,
  withStep,
  producing,
  consuming,
  producedBy,
  problemsOf,
  P,
  type Body,
} from '../../test/support/builders/definition-bodies.js';

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
        producing({ assetId: 'a', freshness: { ttlMs: 31_536_000_000, cadenceMs: 1000, maxAgeMs: 1000 } }),
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
        'declared checks, one with a payload schema',
        producing({
          assetId: 'a',
          checks: [
            { name: 'row-count', severity: 'error', blocking: true, description: 'At least one row.' },
            { name: 'has_total', severity: 'warn', payloadSchema: { type: 'object', required: ['total'] } },
          ],
        }),
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
        `${P}/schema/type`,
        'schema is invalid',
      ],
      [
        'a schema with an unresolvable $ref',
        producing({ assetId: 'a', schema: { $ref: '#/definitions/nope' } }),
        `${P}/schema`,
        "can't resolve reference",
      ],
      [
        'a check without severity',
        producing({ assetId: 'a', checks: [{ name: 'c' }] }),
        `${P}/checks/0/severity`,
        '"severity" is required',
      ],
      [
        'a check severity outside warn | error',
        producing({ assetId: 'a', checks: [{ name: 'c', severity: 'fatal' }] }),
        `${P}/checks/0/severity`,
        'must be one of',
      ],
      [
        'a check name with a dot (a subject token)',
        producing({ assetId: 'a', checks: [{ name: 'a.b', severity: 'warn' }] }),
        `${P}/checks/0/name`,
        'must contain only letters, digits',
      ],
      [
        'a check declared twice on an asset',
        producing({
          assetId: 'a',
          checks: [
            { name: 'c', severity: 'warn' },
            { name: 'c', severity: 'error' },
          ],
        }),
        `${P}/checks/1/name`,
        `duplicate check "c" (also ${P}/checks/0)`,
      ],
      [
        'a check payloadSchema that does not compile',
        producing({ assetId: 'a', checks: [{ name: 'c', severity: 'warn', payloadSchema: { type: 'objekt' } }] }),
        `${P}/checks/0/payloadSchema/type`,
        'schema is invalid',
      ],
      [
        'checks on a consumed asset',
        consuming({ assetId: 'a', checks: [{ name: 'c', severity: 'warn' }] }),
        '/steps/0/consumes/0/checks',
        'checks apply to produced assets',
      ],
      [
        'an empty freshness',
        producing({ assetId: 'a', freshness: {} }),
        `${P}/freshness`,
        'at least one of ttlMs, cadenceMs, maxAgeMs',
      ],
      [
        'ttlMs 0',
        producing({ assetId: 'a', freshness: { ttlMs: 0 } }),
        `${P}/freshness/ttlMs`,
        'must be at least 1000',
      ],
      [
        'a sub-second cadenceMs (it would flood the log with expiries)',
        producing({ assetId: 'a', freshness: { cadenceMs: 1 } }),
        `${P}/freshness/cadenceMs`,
        'must be at least 1000',
      ],
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
});
