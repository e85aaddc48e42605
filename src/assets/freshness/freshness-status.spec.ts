import type { StaleMark } from './evaluate-freshness.js';
import { freshnessStatus, type FreshnessFacts } from './freshness-status.js';

const now = new Date('2025-01-01T12:00:00.000Z');
const produced = (
  latestProducedAt: string,
  more: Partial<{ expiredAt: string; staleMark: StaleMark }> = {},
): FreshnessFacts => ({
  latestProducedAt,
  expiredAt: null,
  staleMark: null,
  ...more,
});

describe('freshnessStatus', () => {
  it('is missing when never materialized', () => {
    expect(freshnessStatus({ ttlMs: 1000 }, null, now)).toMatchObject({
      status: 'missing',
      since: null,
      reason: 'never-materialized',
    });
  });

  it('is fresh since the production, until the earliest of TTL and max age', () => {
    expect(freshnessStatus({ ttlMs: 3_600_000, maxAgeMs: 600_000 }, produced('2025-01-01T11:55:00.000Z'), now)).toEqual(
      {
        status: 'fresh',
        since: '2025-01-01T11:55:00.000Z',
        reason: null,
        reasons: [],
        freshUntil: '2025-01-01T12:05:00.000Z',
        detail: 'fresh: materialized at 2025-01-01T11:55:00.000Z',
      },
    );
  });

  it('is fresh forever without freshness hints', () => {
    expect(freshnessStatus(null, produced('2020-01-01T00:00:00.000Z'), now)).toMatchObject({
      status: 'fresh',
      freshUntil: null,
    });
  });

  it('is expired since the recorded expiry', () => {
    const facts = produced('2025-01-01T11:00:00.000Z', { expiredAt: '2025-01-01T11:00:01.000Z' });
    expect(freshnessStatus({ ttlMs: 1000 }, facts, now)).toMatchObject({
      status: 'expired',
      since: '2025-01-01T11:00:01.000Z',
      reason: 'expired',
    });
  });

  it('is expired once the TTL elapsed, before the expiry event is recorded', () => {
    expect(freshnessStatus({ cadenceMs: 60_000 }, produced('2025-01-01T11:58:00.000Z'), now)).toMatchObject({
      status: 'expired',
      since: '2025-01-01T11:59:00.000Z',
      reason: 'ttl-elapsed',
    });
  });

  it('is stale since a manual mark, naming who and why', () => {
    const mark = { requestedAt: '2025-01-01T11:30:00.000Z', requestedBy: 'ops', note: 'bad upstream' };
    expect(freshnessStatus(null, produced('2025-01-01T11:00:00.000Z', { staleMark: mark }), now)).toMatchObject({
      status: 'stale',
      since: '2025-01-01T11:30:00.000Z',
      reason: 'manual',
      detail: 'stale: ops marked it stale: bad upstream',
    });
  });

  it('is stale since the max-age instant', () => {
    expect(freshnessStatus({ maxAgeMs: 60_000 }, produced('2025-01-01T11:00:00.000Z'), now)).toMatchObject({
      status: 'stale',
      since: '2025-01-01T11:01:00.000Z',
      reason: 'max-age',
    });
  });

  it('puts expiry before a manual mark and lists both', () => {
    const mark = { requestedAt: '2025-01-01T11:30:00.000Z', requestedBy: 'ops', note: null };
    const facts = produced('2025-01-01T11:00:00.000Z', { expiredAt: '2025-01-01T11:10:00.000Z', staleMark: mark });
    expect(freshnessStatus({ ttlMs: 600_000, maxAgeMs: 60_000 }, facts, now)).toMatchObject({
      status: 'expired',
      reasons: ['expired', 'manual', 'max-age'],
    });
  });
});
