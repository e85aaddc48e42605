import { ValidationError } from '../domain/domain-error.js';

/** JSON nested deeper than this is refused before anything walks it recursively. */
export const MAX_JSON_DEPTH = 64;

interface Found {
  path: string;
  message: string;
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function badString(value: string): string | null {
  if (value.includes('\u0000')) return 'must not contain the character U+0000 (it cannot be stored)';
  if (LONE_SURROGATE.test(value)) return 'must not contain unpaired UTF-16 surrogates (it cannot be stored)';
  return null;
}

const escapeToken = (token: string) => token.replace(/~/g, '~0').replace(/\//g, '~1');

/** The first problem of a parsed JSON body, iteratively (a deep body cannot overflow the stack here). */
function findProblem(body: unknown): Found | null {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value: body, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      const problem = badString(value);
      if (problem) return { path: path || '/', message: problem };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH)
      return { path: path || '/', message: `is nested deeper than ${MAX_JSON_DEPTH} levels` };
    for (const [key, child] of Object.entries(value)) {
      const keyProblem = badString(key);
      const at = `${path}/${escapeToken(key)}`;
      if (keyProblem) return { path: at, message: `has a key that ${keyProblem}` };
      stack.push({ value: child, path: at, depth: depth + 1 });
    }
  }
  return null;
}

/**
 * Refuses, with a 400 naming the field, JSON bodies that Postgres or the recursive code behind the API cannot
 * take: NUL characters and unpaired surrogates (a `jsonb` column rejects both, so a read model would fail on the
 * event) and nesting deeper than `MAX_JSON_DEPTH`.
 */
export function assertStorableBody(body: unknown): void {
  const found = findProblem(body);
  if (!found) return;
  throw new ValidationError('invalid_request', `The request body is invalid: ${found.path} ${found.message}`, [found]);
}

/** The same for the URL (path and query): `%00` never reaches a query or a key. */
export function assertStorableUrl(url: string): void {
  if (!/%00/i.test(url) && !url.includes('\u0000')) return;
  throw new ValidationError('invalid_request', 'The URL must not contain the character U+0000 (%00).', [
    { path: 'url', message: 'must not contain %00' },
  ]);
}
