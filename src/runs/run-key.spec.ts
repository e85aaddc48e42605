import { runKeyReservation } from '../events/run-index.js';
import { composeRunKey, normalizeRunKey } from './run-key.js';

describe('run keys', () => {
  it('keeps a valid client key as sent (trimmed) and refuses invalid ones', () => {
    expect(normalizeRunKey('  nightly-2024-01-01 ')).toBe('nightly-2024-01-01');
    expect(normalizeRunKey(undefined)).toBeNull();
    expect(() => normalizeRunKey('has space')).toThrow(/runKey/);
    expect(() => normalizeRunKey('x'.repeat(121))).toThrow(/runKey/);
  });

  it('never lets two long composed keys collide by truncation (B13)', () => {
    const long = 'observatory.timeseries.timestore.with.a.very.long.asset.identifier.that.goes.on.and.on';
    const a = composeRunKey([
      'asset',
      long,
      '2025-08-01T12:15',
      'upstream-update',
      '0190f0e2-aaaa-7000-8000-000000000001',
    ]);
    const b = composeRunKey([
      'asset',
      long,
      '2025-08-01T12:15',
      'upstream-update',
      '0190f0e2-aaaa-7000-8000-000000000002',
    ]);
    expect(a.length).toBeLessThanOrEqual(120);
    expect(a).not.toBe(b);
    expect(composeRunKey(['asset', 'a b', null, 'expiry', 'ttl'])).toBe('asset-a-b-expiry-ttl');
  });

  it('reserves keys per workflow by digest', () => {
    expect(runKeyReservation('wf', 'k')).toMatch(/^runkey\.wf\.[0-9a-f]{64}$/);
    expect(runKeyReservation('wf', 'k')).not.toBe(runKeyReservation('other', 'k'));
  });
});
