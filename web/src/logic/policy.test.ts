import { describe, expect, it } from 'vitest';
import { freshnessChips, freshnessState, parametersSourceLabel, partitioningLabel, policyChips } from './policy';

describe('chips', () => {
  it('names an auto-materialize policy the way the seed does', () => {
    expect(policyChips({ onUpstreamUpdate: true, priority: 5 })).toEqual(['On upstream update', 'Priority 5']);
    expect(policyChips({ onUpstreamUpdate: true, enabled: false })).toEqual(['Disabled', 'On upstream update']);
    expect(policyChips({ priority: 0 })).toEqual(['Priority 0']);
    expect(policyChips({})).toEqual(['On expiry']);
    expect(policyChips(null)).toEqual([]);
  });

  it('describes partitionings', () => {
    expect(
      partitioningLabel({ type: 'timeWindow', granularity: 'hour', timezone: 'Europe/Paris', lookbackWindows: 24 }),
    ).toBe('Time window (hour) · Europe/Paris · lookback 24');
    expect(partitioningLabel({ type: 'static', keys: ['a', 'b', 'c'] })).toBe('Static (3 keys)');
    expect(partitioningLabel({ type: 'static', keys: ['a'] })).toBe('Static (1 key)');
    expect(partitioningLabel({ type: 'dynamic', maxKeys: 1000 })).toBe('Dynamic · max 1000');
    expect(partitioningLabel({ type: 'dynamic', maxKeys: 1000, retentionDays: 120 })).toBe(
      'Dynamic · max 1000 · retention 120d',
    );
    expect(partitioningLabel(null)).toBe('Unpartitioned');
  });

  it('describes freshness', () => {
    expect(freshnessChips({ ttlMs: 3_600_000, maxAgeMs: 86_400_000 })).toEqual(['TTL 1 h', 'Max age 1 d']);
    expect(freshnessChips({ cadenceMs: 900_000 })).toEqual(['Cadence 15 min']);
  });

  it('labels where stored parameters come from', () => {
    expect(parametersSourceLabel('workflow-run')).toBe('Parameters captured from workflow run');
    expect(parametersSourceLabel('manual')).toBe('Manually stored parameters');
    expect(parametersSourceLabel(null)).toBe('System parameters');
  });
});

describe('freshnessState', () => {
  const producedAt = '2024-01-01T00:00:00.000Z';
  const at = (ms: number) => Date.parse(producedAt) + ms;
  it('is never / fresh / stale past max age / expired past its TTL', () => {
    expect(freshnessState(null, { ttlMs: 1000 }, at(0))).toBe('never');
    expect(freshnessState(producedAt, { ttlMs: 60_000, maxAgeMs: 30_000 }, at(10_000))).toBe('fresh');
    expect(freshnessState(producedAt, { ttlMs: 60_000, maxAgeMs: 30_000 }, at(40_000))).toBe('stale');
    expect(freshnessState(producedAt, { ttlMs: 60_000, maxAgeMs: 30_000 }, at(60_000))).toBe('expired');
    expect(freshnessState(producedAt, null, at(1e12))).toBe('fresh');
  });
});
