import { MAX_KEY_LENGTH, type Partitioning, quoteKey } from './partitioning.js';
import { readWindowKey } from './time-window.js';
import { compileTimeWindow } from './time-window-spec.js';

/** The outcome of checking a partition key against an asset's partitioning; `key` is the trimmed key to use. */
export type PartitionKeyCheck =
  | { ok: true; key: string | null }
  | { ok: false; code: 'partition_key_required' | 'invalid_partition_key'; reason: string };

const CONTROL_CHARACTER = /\p{Cc}/u;

/** True when a key contains a control character (C0, DEL or C1), which no partition key may. */
export function hasControlCharacter(key: string): boolean {
  return CONTROL_CHARACTER.test(key);
}

/**
 * Checks a partition key against an asset's partitioning. `null`/`undefined` partitioning = unpartitioned: any key
 * is ok (`null` stays `null`, a given key is trimmed and kept). Partitioned: the trimmed key is required (non-empty)
 * and must be valid: one of the declared static keys (exact, case-sensitive); a real, aligned, canonical window key
 * of a time-window partitioning; a dynamic key of at most 200 characters without control characters.
 */
export function validatePartitionKey(
  p: Partitioning | null | undefined,
  key: string | null | undefined,
): PartitionKeyCheck {
  const trimmed = key?.trim() ?? null;
  if (!p) return { ok: true, key: trimmed };
  if (!trimmed) {
    return { ok: false, code: 'partition_key_required', reason: 'a partition key is required for this asset' };
  }
  const reason = whyInvalid(p, trimmed);
  return reason === null ? { ok: true, key: trimmed } : { ok: false, code: 'invalid_partition_key', reason };
}

function whyInvalid(p: Partitioning, key: string): string | null {
  switch (p.type) {
    case 'static':
      return p.keys.includes(key) ? null : `partition key ${quoteKey(key)} is not one of the declared static keys`;
    case 'dynamic':
      if (key.length > MAX_KEY_LENGTH) {
        return `partition key ${quoteKey(key)} is longer than ${MAX_KEY_LENGTH} characters`;
      }
      return hasControlCharacter(key) ? `partition key ${quoteKey(key)} contains control characters` : null;
    case 'timeWindow': {
      const compilation = compileTimeWindow(p);
      if (!compilation.ok) {
        const problems = compilation.problems.map((problem) => problem.message).join('; ');
        return `partition key ${quoteKey(key)} cannot be checked: the asset's time-window partitioning is invalid (${problems})`;
      }
      const reading = readWindowKey(compilation.compiled.rules, key);
      return reading.ok ? null : reading.reason;
    }
    default:
      return `partition key ${quoteKey(key)} cannot be checked: unknown partitioning type ${JSON.stringify((p as { type?: unknown }).type)}`;
  }
}
