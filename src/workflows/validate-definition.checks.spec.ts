import { validateWorkflowDefinition } from './validate-definition.js';
import { producing, problemsOf, P, type Body } from '../../test/support/builders/definition-bodies.js';

describe('validateWorkflowDefinition — freshness rules of checks (issue 20)', () => {
  it('accepts freshness checks with their own limit and with the asset’s freshness', () => {
    const result = validateWorkflowDefinition(
      producing({
        assetId: 'a',
        freshness: { ttlMs: 60_000 },
        checks: [
          { name: 'fresh', severity: 'warn', freshness: {} },
          { name: 'fresh-hour', severity: 'error', blocking: true, freshness: { maxAgeMs: 3_600_000 } },
        ],
      }),
    );
    expect(result.ok).toBe(true);
  });

  it.each<[string, Body, string, string]>([
    [
      'a freshness rule without a limit (no maxAgeMs, no asset freshness)',
      producing({ assetId: 'a', checks: [{ name: 'c', severity: 'warn', freshness: {} }] }),
      `${P}/checks/0/freshness`,
      "a freshness rule needs maxAgeMs or the asset's freshness",
    ],
    [
      'a freshness rule below one second',
      producing({ assetId: 'a', checks: [{ name: 'c', severity: 'warn', freshness: { maxAgeMs: 10 } }] }),
      `${P}/checks/0/freshness/maxAgeMs`,
      'must be at least 1000',
    ],
    [
      'an unknown key in a freshness rule',
      producing({ assetId: 'a', checks: [{ name: 'c', severity: 'warn', freshness: { ttlMs: 5000 } }] }),
      `${P}/checks/0/freshness/ttlMs`,
      'unknown',
    ],
    [
      'a check with both a payload rule and a freshness rule',
      producing({
        assetId: 'a',
        checks: [{ name: 'c', severity: 'warn', payloadSchema: {}, freshness: { maxAgeMs: 5000 } }],
      }),
      `${P}/checks/0/freshness`,
      'a check has one service rule',
    ],
  ])('reports %s', (_name, body, path, message) => {
    expect(problemsOf(body)).toContainEqual({ path, message: expect.stringContaining(message) });
  });
});
