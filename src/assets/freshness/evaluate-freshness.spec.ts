import { evaluateFreshness } from './evaluate-freshness.js';

const now = new Date('2025-01-01T12:00:00.000Z');
const mark = { requestedAt: '2025-01-01T11:00:00.000Z', requestedBy: 'runner', note: null };

describe('evaluateFreshness', () => {
  it('is fresh without a mark, an expiry or a max age', () => {
    expect(evaluateFreshness(null, '2020-01-01T00:00:00.000Z', null, null, now)).toEqual({
      isStale: false,
      reasons: [],
      maxAgeReachedAt: null,
    });
  });

  it('is stale when marked manually, even when never materialized', () => {
    expect(evaluateFreshness(null, null, null, mark, now)).toMatchObject({ isStale: true, reasons: ['manual'] });
  });

  it('is stale when the latest materialization expired', () => {
    expect(
      evaluateFreshness({ ttlMs: 1000 }, '2025-01-01T11:00:00.000Z', '2025-01-01T11:00:01.000Z', null, now),
    ).toMatchObject({ isStale: true, reasons: ['expired'] });
  });

  it('ignores an expiry without a materialization', () => {
    expect(evaluateFreshness(null, null, '2025-01-01T11:00:01.000Z', null, now).isStale).toBe(false);
  });

  it('is stale once older than maxAgeMs, and fresh up to that instant', () => {
    const freshness = { maxAgeMs: 60_000 };
    expect(evaluateFreshness(freshness, '2025-01-01T11:58:00.000Z', null, null, now)).toEqual({
      isStale: true,
      reasons: ['max-age'],
      maxAgeReachedAt: '2025-01-01T11:59:00.000Z',
    });
    expect(evaluateFreshness(freshness, '2025-01-01T11:59:00.000Z', null, null, now).isStale).toBe(false);
  });

  it('reports every reason that applies', () => {
    const verdict = evaluateFreshness(
      { maxAgeMs: 1 },
      '2025-01-01T00:00:00.000Z',
      '2025-01-01T00:00:01.000Z',
      mark,
      now,
    );
    expect(verdict.reasons).toEqual(['manual', 'expired', 'max-age']);
  });

  it('does not apply maxAgeMs to a partition that was never materialized', () => {
    expect(evaluateFreshness({ maxAgeMs: 1 }, null, null, null, now)).toEqual({
      isStale: false,
      reasons: [],
      maxAgeReachedAt: null,
    });
  });
});
