import { windowForKey, type TimeWindowPartitioning } from '../../src/partitions/index.js';

/** Synthetic inbox drops: one per minute, a day of them listed. */
export const INBOX_PARTITIONING: TimeWindowPartitioning = {
  type: 'timeWindow',
  granularity: 'minute',
  format: 'YYYY-MM-DDTHH:mm',
  lookbackWindows: 1440,
};

/**
 * Ingested minutes: only the last 3 minutes are in lookback, so the 60 s TTL of the timestore re-runs a minute's
 * ingest about twice and then expiries are skipped as `outside_lookback` instead of re-running every minute forever.
 */
export const MINUTE_PARTITIONING: TimeWindowPartitioning = {
  type: 'timeWindow',
  granularity: 'minute',
  format: 'YYYY-MM-DDTHH:mm',
  lookbackWindows: 3,
};

/** Publications: one per UTC day; minute partitions map to the day that contains them. */
export const DAY_PARTITIONING: TimeWindowPartitioning = {
  type: 'timeWindow',
  granularity: 'day',
  format: 'YYYY-MM-DD',
  lookbackWindows: 2,
};

/** `[start, end)` of a key, or an error naming the key. */
export function windowOf(partitioning: TimeWindowPartitioning, key: string): { start: Date; end: Date } {
  const bounds = windowForKey(partitioning, key);
  if (!bounds) throw new Error(`"${key}" is not a ${partitioning.granularity} partition key`);
  return { start: new Date(bounds.windowStart), end: new Date(bounds.windowEnd) };
}
