import { hasControlCharacter } from './partition-key.js';
import {
  type DynamicPartitioning,
  MAX_KEY_LENGTH,
  type Partitioning,
  type StaticPartitioning,
  quoteKey,
} from './partitioning.js';
import { type PartitioningProblem, compileTimeWindow } from './time-window-spec.js';

/**
 * Problems with a partitioning block itself (used by workflow-definition validation); empty when it is good. Each
 * `path` is relative to the block (`/timezone`, `/keys/2`). Checks: static keys present, unique, non-blank, without
 * surrounding whitespace or control characters, at most 200 characters; time-window granularity, IANA `timezone`,
 * `format` (tokens and separators, exactly the tokens of the granularity), `lookbackWindows` (integer 1..10,000),
 * `start` (a valid key of the spec); dynamic `maxKeys`/`retentionDays` positive integers. Unknown properties are left
 * to the definition's JSON schema.
 */
export function checkPartitioningSpec(p: Partitioning): PartitioningProblem[] {
  switch (p.type) {
    case 'static':
      return checkStatic(p);
    case 'timeWindow': {
      const compilation = compileTimeWindow(p);
      return compilation.ok ? [] : compilation.problems;
    }
    case 'dynamic':
      return checkDynamic(p);
    default:
      return [{ path: '/type', message: 'type must be one of static, timeWindow, dynamic' }];
  }
}

function checkStatic(p: StaticPartitioning): PartitioningProblem[] {
  if (!Array.isArray(p.keys) || p.keys.length === 0) {
    return [{ path: '/keys', message: 'a static partitioning needs at least one key' }];
  }
  const problems: PartitioningProblem[] = [];
  const seen = new Set<string>();
  p.keys.forEach((key: unknown, index) => {
    const path = `/keys/${index}`;
    const message = whyBadStaticKey(key, seen);
    if (message) problems.push({ path, message });
    if (typeof key === 'string') seen.add(key);
  });
  return problems;
}

function whyBadStaticKey(key: unknown, seen: ReadonlySet<string>): string | null {
  if (typeof key !== 'string') return 'a static key must be a string';
  if (key.trim() === '') return 'a static key must not be blank';
  if (key.trim() !== key) return `static key ${quoteKey(key)} has leading or trailing whitespace`;
  if (key.length > MAX_KEY_LENGTH) return `static key ${quoteKey(key)} is longer than ${MAX_KEY_LENGTH} characters`;
  if (hasControlCharacter(key)) return `static key ${quoteKey(key)} contains control characters`;
  if (seen.has(key)) return `static key ${quoteKey(key)} is declared more than once`;
  return null;
}

function checkDynamic(p: DynamicPartitioning): PartitioningProblem[] {
  const problems: PartitioningProblem[] = [];
  for (const field of ['maxKeys', 'retentionDays'] as const) {
    const value = p[field];
    if (value !== undefined && !(Number.isSafeInteger(value) && value > 0)) {
      problems.push({ path: `/${field}`, message: `${field} must be a positive integer` });
    }
  }
  return problems;
}
