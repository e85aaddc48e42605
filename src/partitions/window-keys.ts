import { DateTime } from 'luxon';
import type { TimeWindowPartitioning } from './partitioning.js';
import { readWindowKey, windowAt } from './time-window.js';
import { compileTimeWindow, requireTimeWindow } from './time-window-spec.js';

/** A window's bounds as ISO-8601 UTC strings with milliseconds: `[windowStart, windowEnd)`. */
export interface WindowBounds {
  windowStart: string;
  windowEnd: string;
}

/**
 * For a valid time-window key: the window's `[start, end)` as ISO-8601 UTC strings with ms
 * (`2024-01-05T00:00:00.000Z`); null if the key is invalid (or the partitioning is). A day in a zone that changes
 * its clocks that day is 23 or 25 hours long: the bounds are the local midnights converted to UTC.
 */
export function windowForKey(p: TimeWindowPartitioning, key: string): WindowBounds | null {
  const compilation = compileTimeWindow(p);
  if (!compilation.ok) return null;
  const reading = readWindowKey(compilation.compiled.rules, key);
  if (!reading.ok) return null;
  return { windowStart: toIso(reading.window.start), windowEnd: toIso(reading.window.end) };
}

/**
 * The key of the window containing an instant (a `Date`, or an ISO-8601 string; one without an offset is read as
 * UTC). The second occurrence of a local time repeated at a fall-back gets its UTC offset appended
 * (`2024-10-27T02+01:00`). Throws a RangeError for an invalid partitioning or instant.
 */
export function keyForInstant(p: TimeWindowPartitioning, instant: Date | string): string {
  const { rules } = requireTimeWindow(p);
  return windowAt(rules, toInstantMs(instant)).key;
}

/** Epoch ms of a `Date` or ISO-8601 string (no offset = UTC, so the result never depends on the host's zone). */
export function toInstantMs(instant: Date | string): number {
  const ms = typeof instant === 'string' ? DateTime.fromISO(instant, { zone: 'utc' }).toMillis() : instant.getTime();
  if (!Number.isFinite(ms)) {
    throw new RangeError(`instant ${JSON.stringify(String(instant))} is not a valid date or ISO-8601 timestamp`);
  }
  return ms;
}

/** ISO-8601 UTC with milliseconds. */
export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}
