/** One check result of a materialization, as history entries and a partition's latest carry it. */
export interface CheckSummary {
  name?: string;
  passed?: boolean;
  severity?: 'warn' | 'error';
  blocking?: boolean;
}

/** How a result reads: passed, failed (an error-severity failure) or warn (a warn-severity failure). */
export type CheckVerdict = 'passed' | 'failed' | 'warn';

export interface CheckBadge {
  name: string;
  verdict: CheckVerdict;
  /** The words shown (never colour alone): `rows: failed (blocking)`. */
  text: string;
  tone: 'good' | 'bad' | 'warn';
}

const TONE: Record<CheckVerdict, CheckBadge['tone']> = { passed: 'good', failed: 'bad', warn: 'warn' };
const RANK: Record<CheckVerdict, number> = { failed: 0, warn: 1, passed: 2 };

/** Badges for a materialization's checks: failures first (blocking ones first among them), then by name. */
export function checkBadges(checks: readonly CheckSummary[] | null | undefined): CheckBadge[] {
  return (checks ?? [])
    .map((check) => {
      const verdict: CheckVerdict = check.passed ? 'passed' : check.severity === 'error' ? 'failed' : 'warn';
      const blocking = !check.passed && check.blocking ? ' (blocking)' : '';
      const name = check.name ?? '?';
      return { name, verdict, text: `${name}: ${verdict}${blocking}`, tone: TONE[verdict], blocking: !!blocking };
    })
    .sort(
      (a, b) =>
        RANK[a.verdict] - RANK[b.verdict] || Number(b.blocking) - Number(a.blocking) || a.name.localeCompare(b.name),
    )
    .map(({ blocking: _blocking, ...badge }) => badge);
}

/** One line for a title or a screen reader: "2 checks: 1 failed, 1 passed". */
export function checksSummary(checks: readonly CheckSummary[] | null | undefined): string {
  const badges = checkBadges(checks);
  if (badges.length === 0) return 'No checks';
  const counts = (['failed', 'warn', 'passed'] as const)
    .map((verdict) => [verdict, badges.filter((badge) => badge.verdict === verdict).length] as const)
    .filter(([, n]) => n > 0)
    .map(([verdict, n]) => `${n} ${verdict}`);
  return `${badges.length} ${badges.length === 1 ? 'check' : 'checks'}: ${counts.join(', ')}`;
}
