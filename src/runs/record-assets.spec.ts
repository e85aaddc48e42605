import { ValidationError } from '../domain/domain-error.js';
import type { WorkflowStep } from '../workflows/workflow-definition.js';
import { recordAssets } from './record-assets.js';

const NOW = '2026-01-02T03:04:05.000Z';
const step: WorkflowStep = {
  id: 'make',
  type: 'job',
  jobSlug: 'j',
  dependsOn: [],
  retries: 0,
  consumes: [],
  produces: [
    {
      assetId: 'plain.asset',
      schema: { type: 'object', required: ['count'], properties: { count: { type: 'number' } } },
      freshness: { ttlMs: 1000 },
    },
    { assetId: 'daily.asset', partitioning: { type: 'timeWindow', granularity: 'day' } },
  ],
};

describe('recording assets from a step result', () => {
  it('accepts an array, a single object and an id-keyed map', () => {
    const entry = { assetId: 'plain.asset', payload: { count: 1 } };
    for (const assets of [[entry], entry, { 'plain.asset': { payload: { count: 1 } } }]) {
      const result = recordAssets(step, null, { assets }, NOW);
      expect(result).toEqual({
        ok: true,
        warnings: [],
        assets: [
          {
            assetId: 'plain.asset',
            partitionKey: null,
            producedAt: NOW,
            payload: { count: 1 },
            schema: step.produces[0]!.schema,
            freshness: { ttlMs: 1000 },
          },
        ],
      });
    }
  });

  it('records nothing for a result without assets', () => {
    expect(recordAssets(step, null, { files: [] }, NOW)).toEqual({ ok: true, assets: [], warnings: [] });
    expect(recordAssets(step, null, null, NOW)).toEqual({ ok: true, assets: [], warnings: [] });
  });

  it('reports undeclared ids as warnings instead of dropping them silently', () => {
    const result = recordAssets(step, null, { assets: [{ assetId: 'Plain.Asset', payload: {} }] }, NOW);
    expect(result).toEqual({
      ok: true,
      assets: [],
      warnings: [expect.objectContaining({ code: 'undeclared_asset', assetId: 'Plain.Asset' })],
    });
  });

  it('fails the step on a schema violation and records nothing', () => {
    const result = recordAssets(
      step,
      '2024-01-01',
      {
        assets: [
          { assetId: 'daily.asset', payload: 1 },
          { assetId: 'plain.asset', payload: { count: 'x' } },
        ],
      },
      NOW,
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('asset_schema_violation');
  });

  it('defaults a partitioned asset to the run key and validates keys (B1, B16)', () => {
    const ok = recordAssets(step, '2024-02-29', { assets: [{ assetId: 'daily.asset', payload: null }] }, NOW);
    expect(ok.ok && ok.assets[0]!.partitionKey).toBe('2024-02-29');
    const own = recordAssets(
      step,
      '2024-02-29',
      { assets: [{ assetId: 'daily.asset', partitionKey: '2024-03-01' }] },
      NOW,
    );
    expect(own.ok && own.assets[0]!.partitionKey).toBe('2024-03-01');
    const missing = recordAssets(step, null, { assets: [{ assetId: 'daily.asset' }] }, NOW);
    expect(!missing.ok && missing.error.code).toBe('partition_key_required');
    const invalid = recordAssets(step, '2024-02-31', { assets: [{ assetId: 'daily.asset' }] }, NOW);
    expect(!invalid.ok && invalid.error.code).toBe('invalid_partition_key');
  });

  it('warns about a key on an unpartitioned asset and about duplicates (last wins)', () => {
    const result = recordAssets(
      step,
      null,
      {
        assets: [
          { assetId: 'plain.asset', payload: { count: 1 }, partitionKey: 'x' },
          { assetId: 'plain.asset', payload: { count: 2 } },
        ],
      },
      NOW,
    );
    expect(result.ok && result.assets).toEqual([
      expect.objectContaining({ payload: { count: 2 }, partitionKey: null }),
    ]);
    expect(result.warnings.map((w) => w.code)).toEqual(['partition_key_ignored', 'duplicate_asset']);
  });

  it('takes producedAt from the entry, normalized to UTC', () => {
    const result = recordAssets(
      step,
      null,
      { assets: [{ assetId: 'plain.asset', payload: { count: 1 }, producedAt: '2025-01-01T01:00:00+01:00' }] },
      NOW,
    );
    expect(result.ok && result.assets[0]!.producedAt).toBe('2025-01-01T00:00:00.000Z');
  });

  it('throws invalid_completion with paths for malformed entries', () => {
    let error: unknown;
    try {
      recordAssets(
        step,
        null,
        { assets: [{ assetId: 'plain.asset', extra: 1 }, 'nope', { assetId: 3, producedAt: 'yesterday' }] },
        NOW,
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors.map((e) => e.path)).toEqual([
      '/result/assets/0/extra',
      '/result/assets/1',
      '/result/assets/2/assetId',
      '/result/assets/2/producedAt',
    ]);
  });

  describe('checks (DESIGN §14)', () => {
    const checked: WorkflowStep = {
      ...step,
      produces: [
        {
          assetId: 'report',
          checks: [
            { name: 'rows', severity: 'error', blocking: true },
            { name: 'has-total', severity: 'warn', payloadSchema: { type: 'object', required: ['total'] } },
            { name: 'unreported', severity: 'warn' },
          ],
        },
      ],
    };

    it('records reported results and evaluates payload rules itself, in declaration order', () => {
      const result = recordAssets(
        checked,
        null,
        {
          assets: [
            {
              assetId: 'report',
              payload: { rows: 0 },
              checks: [{ name: 'rows', passed: false, metadata: { rows: 0 } }],
            },
          ],
        },
        NOW,
      );
      expect(result.ok && result.assets[0]!.checks).toEqual([
        {
          name: 'rows',
          severity: 'error',
          blocking: true,
          passed: false,
          source: 'job',
          metadata: { rows: 0 },
          violations: [],
        },
        {
          name: 'has-total',
          severity: 'warn',
          blocking: false,
          passed: false,
          source: 'service',
          metadata: null,
          violations: [{ path: '/', message: "must have required property 'total'" }],
        },
      ]);
    });

    it('passes a payload rule only when the job, if it reports the check too, also passes it', () => {
      const passing = recordAssets(checked, null, { assets: [{ assetId: 'report', payload: { total: 1 } }] }, NOW);
      expect(passing.ok && passing.assets[0]!.checks?.map(({ name, passed }) => [name, passed])).toEqual([
        ['has-total', true],
      ]);
      const vetoed = recordAssets(
        checked,
        null,
        { assets: [{ assetId: 'report', payload: { total: 1 }, checks: [{ name: 'has-total', passed: false }] }] },
        NOW,
      );
      expect(vetoed.ok && vetoed.assets[0]!.checks?.[0]).toMatchObject({ passed: false, source: 'job+service' });
    });

    it('adds no checks field to an asset that declares none', () => {
      const result = recordAssets(step, null, { assets: [{ assetId: 'plain.asset', payload: { count: 1 } }] }, NOW);
      expect(result.ok && 'checks' in result.assets[0]!).toBe(false);
    });

    it('refuses an undeclared check name with 422 undeclared_check and its path', () => {
      let error: unknown;
      try {
        recordAssets(
          checked,
          null,
          {
            assets: [
              {
                assetId: 'report',
                checks: [
                  { name: 'rows', passed: true },
                  { name: 'typo', passed: true },
                ],
              },
            ],
          },
          NOW,
        );
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).code).toBe('undeclared_check');
      expect((error as ValidationError).errors).toEqual([
        { path: '/result/assets/0/checks/1/name', message: '"report" declares no check "typo"' },
      ]);
    });

    it('throws invalid_completion for malformed check results', () => {
      let error: unknown;
      try {
        recordAssets(
          checked,
          null,
          {
            assets: [
              {
                assetId: 'report',
                checks: [{ name: 'rows', passed: 'yes' }, { name: 'rows', passed: true, extra: 1 }, 7],
              },
            ],
          },
          NOW,
        );
      } catch (caught) {
        error = caught;
      }
      expect((error as ValidationError).code).toBe('invalid_completion');
      expect((error as ValidationError).errors.map((e) => e.path)).toEqual([
        '/result/assets/0/checks/0/passed',
        '/result/assets/0/checks/1/extra',
        '/result/assets/0/checks/1/name',
        '/result/assets/0/checks/2',
      ]);
    });
  });
});
