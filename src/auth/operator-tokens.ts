import { createHash, timingSafeEqual } from 'node:crypto';
import type { OperatorToken } from '../config/app-config.js';

/** Scopes the API checks. */
export type Scope = 'workflows:write' | 'workflows:run';

/** Who made a request: a token subject, or anonymous for open reads. */
export interface Actor {
  subject: string;
  scopes: ReadonlySet<string>;
}

export const ANONYMOUS: Actor = { subject: 'anonymous', scopes: new Set() };

/**
 * Finds the operator token for a bearer value in constant time: every configured token is compared (as SHA-256
 * digests, so lengths never leak), whichever matches.
 */
export function findOperator(tokens: readonly OperatorToken[], presented: string): Actor | null {
  const digest = createHash('sha256').update(presented).digest();
  let found: OperatorToken | null = null;
  for (const token of tokens) {
    const candidate = createHash('sha256').update(token.token).digest();
    if (timingSafeEqual(candidate, digest)) found = token;
  }
  return found ? { subject: found.subject, scopes: new Set(found.scopes) } : null;
}
