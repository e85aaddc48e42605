import { ValidationError } from '../domain/domain-error.js';

/** Opaque, stable paging cursors: base64url JSON. */
export function encodeCursor(value: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** A stream sequence or count as a cursor field: a safe non-negative integer (so it fits a bigint). */
export const isCursorSeq = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/** A signed position (e.g. a partition sort key): a safe integer. */
export const isCursorInt = (value: unknown): value is number => Number.isSafeInteger(value);

const YEAR_ONE = Date.parse('0001-01-01T00:00:00.000Z');

/** An instant exactly as we write them (`toISOString`, year 1-9999), which Postgres takes as a timestamptz. */
export const isCursorInstant = (value: unknown): value is string => {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(value)) return false;
  const time = Date.parse(value);
  return Number.isFinite(time) && time >= YEAR_ONE && new Date(time).toISOString() === value;
};

/** A text key (asset id, partition key): bounded, without characters Postgres cannot compare. */
export const isCursorText = (value: unknown): value is string =>
  typeof value === 'string' &&
  value.length <= 1000 &&
  !value.includes('\u0000') &&
  !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(value);

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
