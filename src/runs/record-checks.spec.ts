import type { WorkflowStep } from '../workflows/workflow-definition.js';
import { recordAssets } from './record-assets.js';

const NOW = '2026-01-02T03:04:05.000Z';
const step: Omit<WorkflowStep, 'produces'> = {
  id: 'make',
  type: 'job',
  jobSlug: 'j',
  dependsOn: [],
  retries: 0,
  consumes: [],
};

describe('recording assets: service-evaluated check rules (DESIGN §14)', () => {
  describe('a freshness rule (issue 20)', () => {
    const fresh: WorkflowStep = {
      ...step,
      produces: [
        {
          assetId: 'report',
          freshness: { ttlMs: 60_000 },
          checks: [
            { name: 'fresh', severity: 'warn', freshness: {} },
            { name: 'fresh-hour', severity: 'error', blocking: true, freshness: { maxAgeMs: 3_600_000 } },
          ],
        },
      ],
    };
    const record = (producedAt?: string) =>
      recordAssets(fresh, null, { assets: [{ assetId: 'report', ...(producedAt ? { producedAt } : {}) }] }, NOW);

    it('passes a materialization that arrives within the limit (the asset’s ttl, or the rule’s own)', () => {
      const onTime = record('2026-01-02T03:03:10.000Z');
      expect(onTime.ok && onTime.assets[0]!.checks?.map(({ name, passed }) => [name, passed])).toEqual([
        ['fresh', true],
        ['fresh-hour', true],
      ]);
      const now = record();
      expect(now.ok && now.assets[0]!.checks?.every(({ passed }) => passed)).toBe(true);
    });

    it('fails a materialization that arrives later than the limit after its producedAt, saying by how much', () => {
      const late = record('2026-01-02T03:02:05.000Z');
      expect(late.ok && late.assets[0]!.checks).toEqual([
        {
          name: 'fresh',
          severity: 'warn',
          blocking: false,
          passed: false,
          source: 'service',
          metadata: null,
          violations: [
            {
              path: '/producedAt',
              message:
                'arrived late: recorded 120000 ms after producedAt 2026-01-02T03:02:05.000Z, above the 60000 ms freshness',
            },
          ],
        },
        expect.objectContaining({ name: 'fresh-hour', passed: true }),
      ]);
      const veryLate = record('2026-01-02T01:00:00.000Z');
      expect(veryLate.ok && veryLate.assets[0]!.checks?.map(({ passed }) => passed)).toEqual([false, false]);
    });
  });
});
