import type { IANAZone } from 'luxon';
import { type KeyFormat, formatKey, formatOffset, parseKey } from './key-format.js';
import { type TimeGranularity, quoteKey } from './partitioning.js';
import { type WindowSpan, floorWall, isClockGranularity, occurrencesOf } from './window-bounds.js';
import { fromWallMs, isRealWallTime, isoWeekday, toWallMs, wallAt } from './wall-clock.js';

/** What a time-window partitioning means once its zone and format are known good. */
export interface WindowRules {
  granularity: TimeGranularity;
  zone: IANAZone;
  zoneName: string;
  format: KeyFormat;
}

/** One time window: its canonical key, its local start (wall ms) and its instants `[start, end)` in epoch ms. */
export interface TimeWindow {
  key: string;
  wall: number;
  start: number;
  end: number;
}

/** A key read against the rules: its window, or why it names none. */
export type WindowKeyReading = { ok: true; window: TimeWindow } | { ok: false; reason: string };

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** The window containing an instant. Throws a RangeError for an instant whose local year has no 4-digit key. */
export function windowAt(rules: WindowRules, instantMs: number): TimeWindow {
  const wall = floorWall(rules.granularity, wallAt(rules.zone, instantMs));
  const year = fromWallMs(wall).year;
  if (!Number.isFinite(wall) || year < 0 || year > 9999) {
    throw new RangeError(`instant ${instantMs} is outside the years 0000-9999 that partition keys can name`);
  }
  const spans = occurrencesOf(rules.zone, rules.granularity, wall);
  const index = spans.findIndex((span) => span.start <= instantMs && instantMs < span.end);
  if (index < 0) {
    throw new Error(
      `no ${rules.granularity} window of ${rules.zoneName} contains ${new Date(instantMs).toISOString()}`,
    );
  }
  return toWindow(rules, spans, index);
}

/**
 * Reads a key: it must have the format's shape, name a real date and time, be aligned to the granularity, exist in
 * the zone, and be canonical (what `windowAt` would produce). `subject` names the key in the reason.
 */
export function readWindowKey(rules: WindowRules, key: string, subject = 'partition key'): WindowKeyReading {
  const { granularity, format, zone, zoneName } = rules;
  const invalid = `${subject} ${quoteKey(key)} is not a valid ${granularity} window in format ${format.pattern}`;
  const fail = (detail?: string): WindowKeyReading => ({
    ok: false,
    reason: detail ? `${invalid}: ${detail}` : invalid,
  });
  const parsed = parseKey(format, key);
  if (!parsed || !isRealWallTime(parsed.wall)) return fail();
  if (parsed.offsetMinutes !== null && !isClockGranularity(granularity)) return fail();
  const wall = toWallMs(parsed.wall);
  const local = formatKey(format, parsed.wall);
  if (floorWall(granularity, wall) !== wall) {
    return fail(
      granularity === 'week'
        ? `${local} is a ${WEEKDAYS[isoWeekday(wall) - 1]}; week windows start on Monday`
        : `${local} is not the start of a ${granularity}`,
    );
  }
  const spans = occurrencesOf(zone, granularity, wall);
  if (spans.length === 0) return fail(`${local} does not exist in ${zoneName} (the clocks skip it)`);
  const index = parsed.offsetMinutes === null ? 0 : repeatedIndex(spans, parsed.offsetMinutes);
  if (index < 0) {
    return fail(
      spans.length < 2
        ? `${local} occurs only once in ${zoneName}, so its key takes no UTC offset`
        : `the second ${local} in ${zoneName} is at offset ${formatOffset(spans[1].offset ?? 0)}; the first takes no offset`,
    );
  }
  const window = toWindow(rules, spans, index);
  return window.key === key ? { ok: true, window } : fail();
}

/** Like `windowAt`, but null for an instant whose local year no key can name. */
export function windowAtOrNull(rules: WindowRules, instantMs: number): TimeWindow | null {
  try {
    return windowAt(rules, instantMs);
  } catch (error) {
    if (error instanceof RangeError) return null;
    throw error;
  }
}

function repeatedIndex(spans: WindowSpan[], offsetMinutes: number): number {
  return spans.findIndex((span, i) => i > 0 && span.offset === offsetMinutes);
}

/** The first occurrence of a local period takes the plain key; a repeat carries its UTC offset. */
function toWindow(rules: WindowRules, spans: WindowSpan[], index: number): TimeWindow {
  const span = spans[index];
  const offset = index === 0 ? null : span.offset;
  return {
    key: formatKey(rules.format, fromWallMs(span.wall), offset),
    wall: span.wall,
    start: span.start,
    end: span.end,
  };
}
