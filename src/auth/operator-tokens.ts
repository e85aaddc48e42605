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
  let found: Actor | null = null;
  for (const candidate of digestsOf(tokens)) {
    if (timingSafeEqual(candidate.digest, digest)) found = candidate.actor;
  }
  return found;
}

const digestCache = new WeakMap<readonly OperatorToken[], Array<{ digest: Buffer; actor: Actor }>>();

/** Token digests are computed once per configured token list. */
function digestsOf(tokens: readonly OperatorToken[]): Array<{ digest: Buffer; actor: Actor }> {
  let digests = digestCache.get(tokens);
  if (!digests) {
    digests = tokens.map((token) => ({
      digest: createHash('sha256').update(token.token).digest(),
      actor: { subject: token.subject, scopes: new Set(token.scopes) },
    }));
    digestCache.set(tokens, digests);
  }
  return digests;
}
