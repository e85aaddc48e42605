/**
 * Asset id patterns in the subject wildcard syntax (DESIGN §3): dot-separated tokens, `*` for exactly one token,
 * `>` (last only) for one or more; `retail.>`, `*.report`, `directory.insights.report`.
 */
const TOKEN = /^[A-Za-z0-9_:-]+$/;

/** Why a pattern is invalid, or null. */
export function assetPatternProblem(pattern: string): string | null {
  if (pattern.length === 0 || pattern.length > 200) return 'must be 1 to 200 characters';
  const tokens = pattern.split('.');
  for (const [index, token] of tokens.entries()) {
    if (token === '>') {
      if (index !== tokens.length - 1) return '">" may only be the last token';
    } else if (token !== '*' && !TOKEN.test(token)) {
      return `token ${index + 1} ("${token}") is not *, > or an asset id token`;
    }
  }
  return null;
}

/** Does the asset id match the pattern (token by token, like a NATS subject filter)? */
export function matchesAssetPattern(pattern: string, assetId: string): boolean {
  const wanted = pattern.split('.');
  const tokens = assetId.split('.');
  for (const [index, token] of wanted.entries()) {
    if (token === '>') return tokens.length > index;
    if (index >= tokens.length) return false;
    if (token !== '*' && token !== tokens[index]) return false;
  }
  return wanted.length === tokens.length;
}
