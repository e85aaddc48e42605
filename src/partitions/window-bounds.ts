import type { IANAZone } from 'luxon';
import type { TimeGranularity } from './partitioning.js';
import {
  DAY_MS,
  HOUR_MS,
  MINUTE_MS,
  firstInstantAtOrAfter,
  fromWallMs,
  isoWeekday,
  offsetAt,
  offsetsAround,
  toWallMs,
  transitionBetween,
} from './wall-clock.js';

/**
 * One occurrence of a local period in a zone: the instants `[start, end)` whose wall time falls in the period that
 * begins at wall ms `wall`. A minute or hour repeated by a daylight-saving fall-back has two occurrences, told apart
 * by `offset`; day, week and month periods have one (their `offset` is null).
 */
export interface WindowSpan {
  wall: number;
  start: number;
  end: number;
  offset: number | null;
}

/** The wall ms of the start of the period containing `wallMs` (weeks start on Monday, months on the 1st). */
export function floorWall(granularity: TimeGranularity, wallMs: number): number {
  switch (granularity) {
    case 'minute':
      return wallMs - mod(wallMs, MINUTE_MS);
    case 'hour':
      return wallMs - mod(wallMs, HOUR_MS);
    case 'day':
      return wallMs - mod(wallMs, DAY_MS);
    case 'week': {
      const day = wallMs - mod(wallMs, DAY_MS);
      return day - (isoWeekday(day) - 1) * DAY_MS;
    }
    case 'month': {
      const { year, month } = fromWallMs(wallMs);
      return toWallMs({ year, month, day: 1, hour: 0, minute: 0 });
    }
  }
}

/** The wall ms of the start of the period after the one starting at `wallMs`. */
export function nextWall(granularity: TimeGranularity, wallMs: number): number {
  switch (granularity) {
    case 'minute':
      return wallMs + MINUTE_MS;
    case 'hour':
      return wallMs + HOUR_MS;
    case 'day':
      return wallMs + DAY_MS;
    case 'week':
      return wallMs + 7 * DAY_MS;
    case 'month': {
      const { year, month } = fromWallMs(wallMs);
      return toWallMs({ year, month: month + 1, day: 1, hour: 0, minute: 0 });
    }
  }
}

/** True for granularities whose periods a fall-back can repeat (they are shorter than the repeated hour's day). */
export function isClockGranularity(granularity: TimeGranularity): boolean {
  return granularity === 'minute' || granularity === 'hour';
}

/**
 * The occurrences of the period starting at wall ms `wall`, earliest first. Empty when the period does not exist in
 * the zone (a spring-forward gap, or a day a zone skipped).
 */
export function occurrencesOf(zone: IANAZone, granularity: TimeGranularity, wall: number): WindowSpan[] {
  const next = nextWall(granularity, wall);
  if (!isClockGranularity(granularity)) {
    const start = firstInstantAtOrAfter(zone, wall);
    const end = firstInstantAtOrAfter(zone, next);
    return start < end ? [{ wall, start, end, offset: null }] : [];
  }
  const offsets = offsetsAround(zone, wall);
  if (offsets.length === 1) {
    const shift = offsets[0] * MINUTE_MS;
    return [{ wall, start: wall - shift, end: next - shift, offset: offsets[0] }];
  }
  const spans: WindowSpan[] = [];
  for (const offset of new Set([...offsets, offsetAt(zone, wall)])) {
    const clipped = clipToOffset(zone, wall - offset * MINUTE_MS, next - offset * MINUTE_MS, offset);
    if (clipped) spans.push({ wall, start: clipped[0], end: clipped[1], offset });
  }
  return spans.sort((a, b) => a.start - b.start);
}

/** The part of `[start, end)` during which the zone's offset is `offset` (one offset change at most in between). */
function clipToOffset(zone: IANAZone, start: number, end: number, offset: number): [number, number] | null {
  const atStart = offsetAt(zone, start) === offset;
  const atEnd = offsetAt(zone, end - 1) === offset;
  if (atStart && atEnd) return [start, end];
  if (atStart) return [start, transitionBetween(zone, start, end - 1)];
  if (atEnd) return [transitionBetween(zone, start, end - 1), end];
  return null;
}

function mod(value: number, divisor: number): number {
  return ((value % divisor) + divisor) % divisor;
}
