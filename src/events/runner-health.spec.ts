import { jest } from '@jest/globals';
import type { Logger } from 'pino';
import { RunnerHealth } from './runner-health.js';

function recordingLog() {
  const warnings: Array<{ fields: Record<string, unknown>; message: string }> = [];
  const log = {
    warn: (fields: Record<string, unknown>, message: string) => void warnings.push({ fields, message }),
    info: () => undefined,
  } as unknown as Logger;
  return { log, warnings };
}

describe('RunnerHealth phases', () => {
  afterEach(() => jest.useRealTimers());

  it('reports a step awaited too long once per entry, with the phase, and never a wait for events', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const { log, warnings } = recordingLog();
    const health = new RunnerHealth(log);
    health.enter('waiting for events');
    jest.advanceTimersByTime(60_000);
    health.reportStuck(10_000, { position: 7 });
    expect(warnings).toEqual([]);

    health.enter('recovering');
    expect(health.snapshot()).toMatchObject({ phase: 'recovering', phaseSince: 1_060_000 });
    jest.advanceTimersByTime(9_999);
    health.reportStuck(10_000, { position: 7 });
    expect(warnings).toEqual([]);
    jest.advanceTimersByTime(1);
    health.reportStuck(10_000, { position: 7 });
    health.reportStuck(10_000, { position: 7 });
    expect(warnings).toEqual([
      { fields: { position: 7, phase: 'recovering', inPhaseMs: 10_000 }, message: 'consumer stuck' },
    ]);

    // Entering the same phase again keeps its start; a new entry can be reported again.
    health.enter('recovering');
    expect(health.phaseSince).toBe(1_060_000);
    health.enter('applying a batch');
    jest.advanceTimersByTime(10_000);
    health.reportStuck(10_000, { position: 8 });
    expect(warnings.map((warning) => warning.fields.phase)).toEqual(['recovering', 'applying a batch']);
  });

  it('forgets a stall once the runner stands by', () => {
    const { log } = recordingLog();
    const health = new RunnerHealth(log);
    health.stalled();
    expect(health.snapshot().stalledSince).not.toBeNull();
    health.standingBy();
    expect(health.snapshot().stalledSince).toBeNull();
  });
});
