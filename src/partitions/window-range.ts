import type { TimeWindowPartitioning } from './partitioning.js';
import { readWindowKey, windowAtOrNull, type TimeWindow } from './time-window.js';
import { requireTimeWindow } from './time-window-spec.js';

/** The keys of a range of windows, or why the range names none (`field` is the offending end). */
export type WindowRange =
  | { ok: true; keys: string[] }
  | { ok: false; field: 'from' | 'to'; code: 'invalid_partition_key' | 'invalid_partition_range'; reason: string }
  | { ok: false; field: 'range'; code: 'too_many_partitions'; reason: string };

/**
 * Keys of every window from the window of `from` to the window of `to`, both included, oldest first. Both ends must
 * be valid keys of the partitioning (real, aligned, canonical — `validatePartitionKey`'s rules); the walk goes
 * window by window through the zone's clock changes (a 23- or 25-hour day is one window; the repeated hour of a
 * fall-back is two, the second keyed with its offset). Refuses a range that is reversed or holds more than `max`
 * windows (it stops counting at `max + 1`). Throws a RangeError for an invalid partitioning.
 */
export function enumerateWindowRange(p: TimeWindowPartitioning, from: string, to: string, max: number): WindowRange {
  const { rules } = requireTimeWindow(p);
  const first = readWindowKey(rules, from.trim());
  if (!first.ok) return { ok: false, field: 'from', code: 'invalid_partition_key', reason: first.reason };
  const last = readWindowKey(rules, to.trim());
  if (!last.ok) return { ok: false, field: 'to', code: 'invalid_partition_key', reason: last.reason };
  if (last.window.start < first.window.start) {
    const reason = `to (${last.window.key}) is before from (${first.window.key})`;
    return { ok: false, field: 'to', code: 'invalid_partition_range', reason };
  }
  const keys: string[] = [];
  let window: TimeWindow | null = first.window;
  while (window && window.start <= last.window.start) {
    if (keys.length === max) {
      const reason = `the range holds more than ${max} partitions; split it into several backfills`;
      return { ok: false, field: 'range', code: 'too_many_partitions', reason };
    }
    keys.push(window.key);
    const next = windowAtOrNull(rules, window.end);
    window = next && next.start > window.start ? next : null;
  }
  return { ok: true, keys };
}
