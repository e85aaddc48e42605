import type { IANAZone } from 'luxon';

/**
 * Local wall-clock arithmetic in an IANA zone. A wall time is encoded as "wall ms": the epoch milliseconds the same
 * Y-M-D h:m would have in UTC. Wall ms have no daylight-saving jumps, so calendar steps are plain additions; only
 * the conversion between an instant and its wall time consults the zone.
 */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Wall ms of a wall time; out-of-range fields roll over like `Date.UTC` (years 0-99 are taken literally). */
export function toWallMs(w: WallTime): number {
  const date = new Date(0);
  date.setUTCFullYear(w.year, w.month - 1, w.day);
  date.setUTCHours(w.hour, w.minute, 0, 0);
  return date.getTime();
}

/** The wall time of wall ms (seconds and milliseconds dropped). */
export function fromWallMs(wallMs: number): WallTime {
  const date = new Date(wallMs);
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
  };
}

/** True when every field is in range as written: no 31 February, no hour 24, no minute 60. */
export function isRealWallTime(w: WallTime): boolean {
  if (![w.year, w.month, w.day, w.hour, w.minute].every(Number.isInteger)) return false;
  const back = fromWallMs(toWallMs(w));
  return (
    back.year === w.year &&
    back.month === w.month &&
    back.day === w.day &&
    back.hour === w.hour &&
    back.minute === w.minute
  );
}

/** ISO weekday of wall ms: 1 = Monday … 7 = Sunday. */
export function isoWeekday(wallMs: number): number {
  const day = new Date(wallMs).getUTCDay();
  return day === 0 ? 7 : day;
}

/**
 * Per zone, the last span of instants known to have one offset (see `offsetsAround`). Looking an offset up in luxon
 * costs ~6 µs; walking thousands of windows mostly stays inside one such span.
 */
const stableSpans = new WeakMap<IANAZone, { from: number; to: number; offset: number }>();

/** The zone's UTC offset in minutes at an instant. */
export function offsetAt(zone: IANAZone, instantMs: number): number {
  const span = stableSpans.get(zone);
  if (span && instantMs >= span.from && instantMs <= span.to) return span.offset;
  return zone.offset(instantMs);
}

/** The wall ms an instant shows in the zone. */
export function wallAt(zone: IANAZone, instantMs: number): number {
  return instantMs + offsetAt(zone, instantMs) * MINUTE_MS;
}

/**
 * The offsets in force around a wall time (a day either side covers every offset from -14:00 to +14:00). Assumes at
 * most one offset change within those two days, which holds for every zone in use; so equal offsets at both ends
 * mean one offset throughout, which is remembered for `offsetAt`.
 */
export function offsetsAround(zone: IANAZone, wallMs: number): number[] {
  const before = offsetAt(zone, wallMs - DAY_MS);
  const after = offsetAt(zone, wallMs + DAY_MS);
  if (before !== after) return [before, after];
  stableSpans.set(zone, { from: wallMs - DAY_MS, to: wallMs + DAY_MS, offset: before });
  return [before];
}

/**
 * The first instant whose offset equals `offsetAt(hi)`, given `offsetAt(lo) !== offsetAt(hi)` and `lo < hi`: the
 * moment the zone changed its offset.
 */
export function transitionBetween(zone: IANAZone, lo: number, hi: number): number {
  const target = offsetAt(zone, hi);
  let low = lo;
  let high = hi;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (offsetAt(zone, mid) === target) high = mid;
    else low = mid;
  }
  return high;
}

/**
 * The earliest instant whose wall time is at or after `wallMs`: the instant of that wall time (its first occurrence
 * when a fall-back repeats it), or the end of the spring-forward gap when the wall time does not exist.
 */
export function firstInstantAtOrAfter(zone: IANAZone, wallMs: number): number {
  const offsets = offsetsAround(zone, wallMs);
  const instants = offsets
    .map((offset) => wallMs - offset * MINUTE_MS)
    .filter((instant, i) => offsetAt(zone, instant) === offsets[i])
    .sort((a, b) => a - b);
  if (instants.length > 0) return instants[0];
  const low = wallMs - Math.max(...offsets) * MINUTE_MS;
  const high = wallMs - Math.min(...offsets) * MINUTE_MS;
  return transitionBetween(zone, low, high);
}
