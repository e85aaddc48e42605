import { validatePartitionKey } from './partition-key.js';
import { type Partitioning, TIME_GRANULARITIES, type TimeWindowPartitioning, quoteKey } from './partitioning.js';
import { readWindowKey, windowAtOrNull } from './time-window.js';
import { compileTimeWindow } from './time-window-spec.js';
import { toIso } from './window-keys.js';

/** The target's key for an upstream key, or why there is none (the materializer skips it as `partition_mismatch`). */
export type PartitionKeyMapping = { ok: true; key: string | null } | { ok: false; reason: string };

/**
 * Upstream→downstream key mapping for auto-materialization. An unpartitioned target gets key null. A partitioned
 * target needs a partitioned upstream with a valid key and the same partitioning type: static and dynamic keys map
 * to themselves (a static key must be one of the target's keys); a time window maps to the target window that
 * contains it, which is the same key for identical partitionings and the enclosing coarser window for a finer one
 * (hour `2024-01-05T13` → day `2024-01-05`), both time zones respected. A target finer than the upstream, or a
 * window that straddles two target windows (a UTC day into a Europe/Vienna day), is refused. The mapped key is
 * always valid for the target.
 */
export function mapPartitionKey(
  from: Partitioning | null | undefined,
  to: Partitioning | null | undefined,
  key: string | null,
): PartitionKeyMapping {
  if (!to) return { ok: true, key: null };
  if (!from) {
    return refuse(`the target asset is ${to.type}-partitioned but the upstream asset is unpartitioned`);
  }
  const upstream = validatePartitionKey(from, key);
  if (!upstream.ok || upstream.key === null) {
    return refuse(`the upstream key cannot be mapped: ${upstream.ok ? 'it is missing' : upstream.reason}`);
  }
  if (from.type !== to.type) {
    return refuse(`a ${from.type} upstream partition cannot be mapped to a ${to.type}-partitioned target`);
  }
  const mapped = from.type === 'timeWindow' ? mapWindow(from, to as TimeWindowPartitioning, upstream.key) : upstream;
  if (!mapped.ok || mapped.key === null) return mapped;
  const target = validatePartitionKey(to, mapped.key);
  return target.ok ? { ok: true, key: target.key } : refuse(`the target asset refuses the key: ${target.reason}`);
}

function mapWindow(from: TimeWindowPartitioning, to: TimeWindowPartitioning, key: string): PartitionKeyMapping {
  const source = compileTimeWindow(from);
  const target = compileTimeWindow(to);
  if (!source.ok || !target.ok) return refuse('the upstream or target time-window partitioning is invalid');
  if (rank(to) < rank(from)) {
    return refuse(
      `the target's ${to.granularity} windows are finer than the upstream's ${from.granularity} windows, so ${quoteKey(key)} maps to many`,
    );
  }
  const reading = readWindowKey(source.compiled.rules, key);
  if (!reading.ok) return refuse(reading.reason);
  const upstream = reading.window;
  const rules = target.compiled.rules;
  const enclosing = windowAtOrNull(rules, upstream.start);
  if (!enclosing) return refuse(`upstream window ${quoteKey(key)} has no ${to.granularity} key in ${rules.zoneName}`);
  if (upstream.end > enclosing.end) {
    return refuse(
      `upstream window ${quoteKey(key)} (${toIso(upstream.start)} to ${toIso(upstream.end)}) does not fit inside one ${to.granularity} window of ${rules.zoneName}`,
    );
  }
  return { ok: true, key: enclosing.key };
}

function rank(p: TimeWindowPartitioning): number {
  return TIME_GRANULARITIES.indexOf(p.granularity);
}

function refuse(reason: string): PartitionKeyMapping {
  return { ok: false, reason };
}
