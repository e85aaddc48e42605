import { ValidationError } from '../domain/domain-error.js';

/** Opaque, stable paging cursors: base64url JSON. */
export function encodeCursor(value: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function decodeCursor<T extends Record<string, unknown>>(
  cursor: string | undefined,
  isValid: (value: Record<string, unknown>) => boolean,
): T | undefined {
  if (cursor === undefined) return undefined;
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value) && isValid(value as Record<string, unknown>))
      return value as T;
  } catch {
    /* fall through */
  }
  throw new ValidationError('invalid_cursor', 'The cursor is not one this endpoint issued.', [
    { path: 'query/cursor', message: 'is not a valid cursor' },
  ]);
}
