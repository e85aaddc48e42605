import type { Partitioning } from './partitioning.js';
import { windowForKey } from './window-keys.js';

/**
 * Derived run parameters for a partition: `{ partitionKey }`, plus `windowStart` and `windowEnd` (ISO-8601 UTC with
 * ms, end exclusive) when the asset is time-window partitioned and the key names a valid window. A null key gives
 * no parameters (an unpartitioned run carries no partition key).
 */
export function partitionParameters(p: Partitioning | null | undefined, key: string | null): Record<string, string> {
  if (key === null) return {};
  const window = p?.type === 'timeWindow' ? windowForKey(p, key) : null;
  return window ? { partitionKey: key, ...window } : { partitionKey: key };
}
