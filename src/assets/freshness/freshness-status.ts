import type { Freshness } from '../../workflows/workflow-definition.js';
import { evaluateFreshness, type StaleMark, type StaleReason } from './evaluate-freshness.js';

/** The gate's answer for one asset (partition): DESIGN §14 freshness gate. */
export type FreshnessStatusName = 'fresh' | 'expired' | 'stale' | 'missing';

/** Why an asset is not fresh: never materialized, expired (event or TTL/cadence elapsed), a manual mark, max age. */
export type FreshnessReason = 'never-materialized' | 'expired' | 'ttl-elapsed' | StaleReason;

/** The facts of the partition the gate looks at (its latest materialization and its marks). */
export interface FreshnessFacts {
  latestProducedAt: string | null;
  expiredAt: string | null;
  staleMark: StaleMark | null;
}

/** The verdict `GET /assets/:assetId/freshness` answers and the CLI prints. */
export interface FreshnessStatus {
  status: FreshnessStatusName;
  /** Since when the status holds: the production (fresh), the expiry, the mark, the max-age instant; null if missing. */
  since: string | null;
  /** The main reason it is not fresh (null when fresh). */
  reason: FreshnessReason | null;
  /** Every reason that applies, main first. */
  reasons: FreshnessReason[];
  /** When a fresh materialization stops being fresh by its TTL, cadence or max age; null when unknown or not fresh. */
  freshUntil: string | null;
  /** One sentence for a human (CLI output, problem detail). */
  detail: string;
}

/**
 * The freshness status of a partition at `now`, derived at query time from stored facts (STYLE §5), on top of
 * `evaluateFreshness`. `expired` also covers a TTL or cadence that elapsed before its `asset.expired` event was
 * recorded, so a gate never lets an out-of-date asset through during the timer's lag. Precedence: missing, expired,
 * stale (manual mark, then max age), fresh.
 */
export function freshnessStatus(
  freshness: Freshness | null | undefined,
  facts: FreshnessFacts | null,
  now: Date,
): FreshnessStatus {
  if (!facts || facts.latestProducedAt === null) {
    return notFresh('missing', null, ['never-materialized'], 'it was never materialized');
  }
  const verdict = evaluateFreshness(freshness, facts.latestProducedAt, facts.expiredAt, facts.staleMark, now);
  const ttlEndsAt = ttlEnd(freshness, facts.latestProducedAt);
  const ttlElapsed = facts.expiredAt === null && ttlEndsAt !== null && now.getTime() >= Date.parse(ttlEndsAt);
  const reasons: FreshnessReason[] = [
    ...(verdict.reasons.includes('expired') ? (['expired'] as const) : []),
    ...(ttlElapsed ? (['ttl-elapsed'] as const) : []),
    ...verdict.reasons.filter((reason) => reason !== 'expired'),
  ];
  const main = reasons[0];
  if (main === 'expired') return notFresh('expired', facts.expiredAt, reasons, `it expired at ${facts.expiredAt}`);
  if (main === 'ttl-elapsed')
    return notFresh('expired', ttlEndsAt, reasons, `its TTL or cadence ended at ${ttlEndsAt}`);
  if (main === 'manual') {
    const mark = facts.staleMark!;
    const note = mark.note ? `: ${mark.note}` : '';
    return notFresh('stale', mark.requestedAt, reasons, `${mark.requestedBy} marked it stale${note}`);
  }
  if (main === 'max-age') {
    return notFresh(
      'stale',
      verdict.maxAgeReachedAt,
      reasons,
      `it is older than maxAgeMs since ${verdict.maxAgeReachedAt}`,
    );
  }
  const ends = [ttlEndsAt, verdict.maxAgeReachedAt].filter((end): end is string => end !== null).sort();
  return {
    status: 'fresh',
    since: facts.latestProducedAt,
    reason: null,
    reasons: [],
    freshUntil: ends[0] ?? null,
    detail: `fresh: materialized at ${facts.latestProducedAt}`,
  };
}

function notFresh(
  status: Exclude<FreshnessStatusName, 'fresh'>,
  since: string | null,
  reasons: FreshnessReason[],
  why: string,
): FreshnessStatus {
  return { status, since, reason: reasons[0]!, reasons, freshUntil: null, detail: `${status}: ${why}` };
}

/** `producedAt` + the shorter of `ttlMs` and `cadenceMs` (when either is declared). */
function ttlEnd(freshness: Freshness | null | undefined, producedAt: string): string | null {
  const spans = [freshness?.ttlMs, freshness?.cadenceMs].filter((ms): ms is number => ms !== undefined);
  if (spans.length === 0) return null;
  return new Date(Date.parse(producedAt) + Math.min(...spans)).toISOString();
}
