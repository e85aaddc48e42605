import { createHash } from 'node:crypto';
import { ValidationError } from '../domain/domain-error.js';

const RUN_KEY = /^[A-Za-z0-9_.:-]+$/;

/**
 * Validates a client run key (1..120 characters of `[A-Za-z0-9_.:-]`, trimmed). Unlike the original it never
 * truncates or rewrites a key (B13): what the client sent is what is stored and compared.
 */
export function normalizeRunKey(raw: string | undefined | null): string | null {
  if (raw === undefined || raw === null) return null;
  const key = raw.trim();
  if (key.length === 0 || key.length > 120 || !RUN_KEY.test(key)) {
    throw new ValidationError(
      'invalid_run_key',
      'runKey must be 1..120 characters of letters, digits, "_", ".", ":" or "-".',
      [{ path: '/runKey', message: 'must match ^[A-Za-z0-9_.:-]{1,120}$' }],
    );
  }
  return key;
}

/**
 * A run key built from parts for automatic runs (B13): every part kept whole; parts longer than the budget are
 * replaced by a digest, never cut, so two different upstream runs never share a key.
 */
export function composeRunKey(parts: Array<string | null | undefined>): string {
  const cleaned = parts
    .filter((part): part is string => typeof part === 'string' && part.trim().length > 0)
    .map((part) => part.trim().replace(/[^A-Za-z0-9_.:-]/g, '-'));
  const key = cleaned.join('-');
  if (key.length <= 120) return key;
  const digest = createHash('sha256').update(cleaned.join('\u0000')).digest('hex').slice(0, 32);
  return `${key.slice(0, 120 - digest.length - 1)}-${digest}`;
}
