import { checkBadges, checksSummary, type CheckSummary } from '../logic/checks';
import { Chip } from './badges';

/**
 * A materialization's check results as badges with their words ("rows: failed (blocking)"), so colour is never the
 * only signal; a list, so a screen reader announces how many there are; "none" when nothing was checked.
 */
export function CheckBadges({ checks }: { checks: readonly CheckSummary[] | null | undefined }) {
  const badges = checkBadges(checks);
  if (badges.length === 0) return <span className="muted">none</span>;
  return (
    <ul className="chips check-badges" title={checksSummary(checks)} data-testid="check-badges">
      {badges.map((badge) => (
        <li key={badge.name} data-verdict={badge.verdict}>
          <Chip tone={badge.tone}>{badge.text}</Chip>
        </li>
      ))}
    </ul>
  );
}
