import { IANAZone } from 'luxon';
import { DEFAULT_KEY_FORMATS, compileKeyFormat } from './key-format.js';
import {
  DEFAULT_LOOKBACK_WINDOWS,
  DEFAULT_TIMEZONE,
  MAX_WINDOWS,
  TIME_GRANULARITIES,
  type TimeWindowPartitioning,
} from './partitioning.js';
import { type TimeWindow, type WindowRules, readWindowKey } from './time-window.js';

/** A problem with one field of a partitioning block; `path` is relative to the block, e.g. `/timezone`. */
export interface PartitioningProblem {
  path: string;
  message: string;
}

/** A time-window partitioning with its defaults applied and its `start` resolved to a window. */
export interface CompiledTimeWindow {
  rules: WindowRules;
  start: TimeWindow | null;
  lookbackWindows: number;
}

export type TimeWindowCompilation =
  { ok: true; compiled: CompiledTimeWindow } | { ok: false; problems: PartitioningProblem[] };

/** Zone names already checked: `IANAZone.isValidZone` builds an `Intl.DateTimeFormat` (~0.2 ms) on every call. */
const knownZones = new Map<string, boolean>();

/** True for an IANA zone name the runtime knows (`UTC`, `Europe/Vienna`). */
export function isKnownZone(name: string): boolean {
  let known = knownZones.get(name);
  if (known === undefined) {
    known = IANAZone.isValidZone(name);
    if (knownZones.size >= 1000) knownZones.clear();
    knownZones.set(name, known);
  }
  return known;
}

/**
 * Compilations by partitioning object: a workflow's declarations are read-only once stored, and the hot paths
 * (the materializer, backfills) check thousands of keys against the same declaration.
 */
const compilations = new WeakMap<TimeWindowPartitioning, TimeWindowCompilation>();

/** Checks every field of a time-window partitioning and, when all are good, compiles it. */
export function compileTimeWindow(p: TimeWindowPartitioning): TimeWindowCompilation {
  if (typeof p !== 'object' || p === null) return compileFresh(p);
  let compilation = compilations.get(p);
  if (!compilation) {
    compilation = compileFresh(p);
    compilations.set(p, compilation);
  }
  return compilation;
}

function compileFresh(p: TimeWindowPartitioning): TimeWindowCompilation {
  const problems: PartitioningProblem[] = [];
  const granularity = TIME_GRANULARITIES.includes(p.granularity) ? p.granularity : null;
  if (!granularity) {
    problems.push({ path: '/granularity', message: `granularity must be one of ${TIME_GRANULARITIES.join(', ')}` });
  }
  const zoneName = p.timezone ?? DEFAULT_TIMEZONE;
  const zoneOk = typeof zoneName === 'string' && isKnownZone(zoneName);
  if (!zoneOk) {
    problems.push({
      path: '/timezone',
      message: `timezone ${JSON.stringify(zoneName)} is not a known IANA time zone (e.g. UTC, Europe/Vienna)`,
    });
  }
  const lookbackWindows = p.lookbackWindows ?? (granularity ? DEFAULT_LOOKBACK_WINDOWS[granularity] : 1);
  if (!Number.isInteger(lookbackWindows) || lookbackWindows < 1 || lookbackWindows > MAX_WINDOWS) {
    problems.push({ path: '/lookbackWindows', message: `lookbackWindows must be an integer from 1 to ${MAX_WINDOWS}` });
  }
  if (!granularity) return { ok: false, problems };
  const pattern = p.format ?? DEFAULT_KEY_FORMATS[granularity];
  const format = typeof pattern === 'string' ? compileKeyFormat(pattern, granularity) : null;
  if (!format?.ok) {
    problems.push({ path: '/format', message: format ? format.message : 'format must be a string' });
  }
  if (!zoneOk || !format?.ok) return { ok: false, problems };
  const rules: WindowRules = { granularity, zone: IANAZone.create(zoneName), zoneName, format: format.format };
  let start: TimeWindow | null = null;
  if (p.start !== undefined) {
    const reading = typeof p.start === 'string' ? readWindowKey(rules, p.start, 'start') : null;
    if (reading?.ok) start = reading.window;
    else problems.push({ path: '/start', message: reading ? reading.reason : 'start must be a string' });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, compiled: { rules, start, lookbackWindows } };
}

/** Compiles a time-window partitioning the caller has already validated; throws a RangeError naming its problems. */
export function requireTimeWindow(p: TimeWindowPartitioning): CompiledTimeWindow {
  const compilation = compileTimeWindow(p);
  if (compilation.ok) return compilation.compiled;
  const details = compilation.problems.map((problem) => `${problem.path}: ${problem.message}`).join('; ');
  throw new RangeError(`invalid time-window partitioning (${details})`);
}
