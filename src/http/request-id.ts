import { randomUUID } from 'node:crypto';

/** At most 128 visible ASCII characters (DESIGN §10). */
const VALID_REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * The id of a request: the client's `X-Request-Id` when it is 1-128 visible ASCII characters, else a generated
 * one. A longer, empty or malformed header is replaced, never echoed and never stored in events.
 */
export function requestIdOf(headers: Record<string, unknown>): string {
  const header = headers['x-request-id'];
  return typeof header === 'string' && VALID_REQUEST_ID.test(header) ? header : randomUUID();
}
