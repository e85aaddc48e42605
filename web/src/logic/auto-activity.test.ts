import { describe, expect, it } from 'vitest';
import { aRun } from '../test-fixtures';
import { explainReason, filterRuns, nextEligible } from './auto-activity';
import { formatDuration, partitionLabel, runDuration } from './format';

describe('auto activity', () => {
  it('filters runs by trigger asset and status ("" = any)', () => {
    const a = aRun({ assetId: 'x', status: 'failed' });
    const b = aRun({ assetId: 'y', status: 'succeeded' });
    expect(filterRuns([a, b], { assetId: '', status: '' })).toEqual([a, b]);
    expect(filterRuns([a, b], { assetId: 'y', status: '' })).toEqual([b]);
    expect(filterRuns([a, b], { assetId: 'y', status: 'failed' })).toEqual([]);
  });

  it('is ready once the backoff window is over', () => {
    const now = Date.parse('2024-01-01T00:10:00Z');
    expect(
      nextEligible(
        { partitionKey: null, failures: 1, nextEligibleAt: '2024-01-01T00:20:00Z', deferredPending: false },
        now,
      ),
    ).toEqual({
      ready: false,
      at: '2024-01-01T00:20:00Z',
    });
    expect(
      nextEligible(
        { partitionKey: null, failures: 1, nextEligibleAt: '2024-01-01T00:05:00Z', deferredPending: false },
        now,
      ).ready,
    ).toBe(true);
    expect(
      nextEligible({ partitionKey: null, failures: 1, nextEligibleAt: null, deferredPending: false }, now).ready,
    ).toBe(true);
  });

  it('explains decision reasons', () => {
    expect(explainReason('cycle')).toMatch(/causation chain/);
    expect(explainReason('something_new')).toBe('something new');
  });

  it('formats durations and partitions', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(245_000)).toBe('4 min 5 s');
    expect(formatDuration(7_500_000)).toBe('2 h 5 min');
    expect(runDuration(aRun(), 0)).toBe('3 s');
    expect(runDuration(aRun({ startedAt: null }), 0)).toBe('—');
    expect(partitionLabel(null)).toBe('Global');
  });
});
