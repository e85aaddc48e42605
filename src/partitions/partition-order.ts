import type { Partitioning, TimeWindowPartitioning } from './partitioning.js';
import { type WindowRules, readWindowKey } from './time-window.js';
import { compileTimeWindow } from './time-window-spec.js';

/** Where a key sorts: by group, then by order, then by the key's UTF-16 code units. */
type Rank = readonly [group: number, order: number, text: string];

const NULL_KEY: Rank = [3, 0, ''];
const MAX_CACHED_RANKS = 50_000;

/** Per time-window partitioning object (treated as immutable): its rules and the ranks already computed. */
const windowRanks = new WeakMap<TimeWindowPartitioning, { rules: WindowRules | null; ranks: Map<string, Rank> }>();

/**
 * A total order for partition listing (use with `Array.prototype.sort`): time windows newest first (by window
 * start), then keys that are not valid windows by string; static keys in declared order, then undeclared keys by
 * string; dynamic keys (and keys of an unpartitioned asset) by string. A null key sorts last. Strings compare by
 * UTF-16 code units, never by locale, so the order is the same on every host.
 */
export function comparePartitionKeys(p: Partitioning | null | undefined, a: string | null, b: string | null): number {
  const left = rankOf(p, a);
  const right = rankOf(p, b);
  return left[0] - right[0] || left[1] - right[1] || compareText(left[2], right[2]);
}

/** A sorted copy of `keys` in the order of `comparePartitionKeys`. */
export function sortPartitionKeys<K extends string | null>(
  p: Partitioning | null | undefined,
  keys: readonly K[],
): K[] {
  return [...keys].sort((a, b) => comparePartitionKeys(p, a, b));
}

function rankOf(p: Partitioning | null | undefined, key: string | null): Rank {
  if (key === null) return NULL_KEY;
  if (!p) return [0, 0, key];
  switch (p.type) {
    case 'static': {
      const index = Array.isArray(p.keys) ? p.keys.indexOf(key) : -1;
      return index >= 0 ? [0, index, key] : [1, 0, key];
    }
    case 'timeWindow':
      return windowRank(p, key);
    default:
      return [0, 0, key];
  }
}

function windowRank(p: TimeWindowPartitioning, key: string): Rank {
  let entry = windowRanks.get(p);
  if (!entry) {
    const compilation = compileTimeWindow(p);
    entry = { rules: compilation.ok ? compilation.compiled.rules : null, ranks: new Map() };
    windowRanks.set(p, entry);
  }
  const cached = entry.ranks.get(key);
  if (cached) return cached;
  const reading = entry.rules ? readWindowKey(entry.rules, key) : null;
  const rank: Rank = reading?.ok ? [0, -reading.window.start, key] : [1, 0, key];
  if (entry.ranks.size >= MAX_CACHED_RANKS) entry.ranks.clear();
  entry.ranks.set(key, rank);
  return rank;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
