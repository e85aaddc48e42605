import { describe, expect, it } from 'vitest';
import { checkBadges, checksSummary } from './checks';

describe('check badges', () => {
  const checks = [
    { name: 'total', passed: false, severity: 'warn' as const, blocking: false },
    { name: 'rows', passed: true, severity: 'error' as const, blocking: true },
    { name: 'fresh', passed: false, severity: 'error' as const, blocking: false },
    { name: 'has-files', passed: false, severity: 'error' as const, blocking: true },
  ];

  it('says passed, failed or warn in words, blocking failures first, then failures, warnings and passes', () => {
    expect(checkBadges(checks)).toEqual([
      { name: 'has-files', verdict: 'failed', text: 'has-files: failed (blocking)', tone: 'bad' },
      { name: 'fresh', verdict: 'failed', text: 'fresh: failed', tone: 'bad' },
      { name: 'total', verdict: 'warn', text: 'total: warn', tone: 'warn' },
      { name: 'rows', verdict: 'passed', text: 'rows: passed', tone: 'good' },
    ]);
  });

  it('summarizes the verdicts in one line, and says when there is none', () => {
    expect(checksSummary(checks)).toBe('4 checks: 2 failed, 1 warn, 1 passed');
    expect(checksSummary([{ name: 'rows', passed: true, severity: 'warn' }])).toBe('1 check: 1 passed');
    expect(checksSummary([])).toBe('No checks');
    expect(checksSummary(undefined)).toBe('No checks');
  });
});
