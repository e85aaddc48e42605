import { MAX_WINDOWS, type TimeWindowPartitioning } from './partitioning.js';
import { type TimeWindow, type WindowRules, readWindowKey, windowAt, windowAtOrNull } from './time-window.js';
import { requireTimeWindow } from './time-window-spec.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, fromWallMs } from './wall-clock.js';

/** Options of `enumerateWindowKeys`. */
export interface EnumerateWindowsOptions {
  /** The instant whose window is the newest listed. */
  now: Date;
  /** How many windows to list at most (clamped to 1..10,000); overrides `lookbackWindows`. */
  lookback?: number;
}

/**
 * Keys of time windows, newest first: from the current window (the one containing `now`) back to `start` (when
 * declared; nothing is listed before it, and nothing at all when `start` is in the future) or back over
 * `lookback ?? lookbackWindows ?? default` windows (minute 60, hour 24, day 14, week 8, month 12). An explicit
 * `lookback` also limits a walk back to `start`. Never more than 10,000 keys. Throws a RangeError for an invalid
 * partitioning.
 */
export function enumerateWindowKeys(p: TimeWindowPartitioning, options: EnumerateWindowsOptions): string[] {
  const { rules, start, lookbackWindows } = requireTimeWindow(p);
  const wanted = options.lookback ?? (start ? MAX_WINDOWS : lookbackWindows);
  const limit = Math.min(MAX_WINDOWS, Math.max(1, Math.floor(Number.isFinite(wanted) ? wanted : 1)));
  const keys: string[] = [];
  let window: TimeWindow | null = windowAt(rules, options.now.getTime());
  while (window && keys.length < limit && (!start || window.start >= start.start)) {
    keys.push(window.key);
    const previous = windowAtOrNull(rules, window.start - 1);
    window = previous && previous.start < window.start ? previous : null;
  }
  return keys;
}

/**
 * Is the window of `key` one of the last `lookbackWindows` (or default) windows up to `now`, the current one
 * included? False for an invalid key and for a window after the current one. Used to skip expiry of old
 * partitions (`outside_lookback`). Windows are counted by local calendar (day, week, month) or by elapsed time
 * (minute, hour), which is exact for every zone whose clock changes are whole hours.
 */
export function isWithinLookback(p: TimeWindowPartitioning, key: string, now: Date): boolean {
  const { rules, lookbackWindows } = requireTimeWindow(p);
  const reading = readWindowKey(rules, key);
  if (!reading.ok) return false;
  const behind = windowsBetween(rules, reading.window, windowAt(rules, now.getTime()));
  return behind >= 0 && behind < lookbackWindows;
}

/** How many windows `to` is after `from` (negative when it is before). */
function windowsBetween(rules: WindowRules, from: TimeWindow, to: TimeWindow): number {
  switch (rules.granularity) {
    case 'minute':
      return Math.round((to.start - from.start) / MINUTE_MS);
    case 'hour':
      return Math.round((to.start - from.start) / HOUR_MS);
    case 'day':
      return Math.round((to.wall - from.wall) / DAY_MS);
    case 'week':
      return Math.round((to.wall - from.wall) / (7 * DAY_MS));
    case 'month': {
      const a = fromWallMs(from.wall);
      const b = fromWallMs(to.wall);
      return b.year * 12 + b.month - (a.year * 12 + a.month);
    }
  }
}
