import type { Freshness } from '../../workflows/workflow-definition.js';

/** A manual stale mark on a partition (`POST …/stale`). */
export interface StaleMark {
  requestedAt: string;
  requestedBy: string;
  note: string | null;
}

/** Why a partition is stale: a manual mark, an `asset.expired` of its latest materialization, or `maxAgeMs`. */
export type StaleReason = 'manual' | 'expired' | 'max-age';

/** The freshness verdict of one partition at one instant. */
export interface FreshnessVerdict {
  isStale: boolean;
  reasons: StaleReason[];
  /** When the latest materialization passes (or passed) `maxAgeMs`; null without `maxAgeMs` or materialization. */
  maxAgeReachedAt: string | null;
}

/**
 * Is a partition stale at `now` (DESIGN §5: a manual mark, or expired, or older than `maxAgeMs`)? Time-based state
 * is never projected (STYLE §5): the read model stores the facts and this pure function derives the verdict at
 * query time. A partition that was never materialized is stale only when marked.
 */
export function evaluateFreshness(
  freshness: Freshness | null | undefined,
  latestProducedAt: string | null,
  expiredAt: string | null,
  staleMark: StaleMark | null,
  now: Date,
): FreshnessVerdict {
  const reasons: StaleReason[] = [];
  if (staleMark) reasons.push('manual');
  if (latestProducedAt !== null && expiredAt !== null) reasons.push('expired');
  const producedMs = latestProducedAt === null ? NaN : Date.parse(latestProducedAt);
  const maxAgeMs = freshness?.maxAgeMs;
  const reachedMs = maxAgeMs !== undefined && Number.isFinite(producedMs) ? producedMs + maxAgeMs : null;
  if (reachedMs !== null && now.getTime() > reachedMs) reasons.push('max-age');
  return {
    isStale: reasons.length > 0,
    reasons,
    maxAgeReachedAt: reachedMs === null ? null : new Date(reachedMs).toISOString(),
  };
}
