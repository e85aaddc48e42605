/** One reason a workflow definition is refused: where (a JSON pointer into the body, `''` = root) and why. */
export interface ValidationProblem {
  /** JSON pointer (RFC 6901) of the offending field, e.g. `/steps/0/produces/1/assetId`. */
  path: string;
  /** What is wrong, for a human. */
  message: string;
}

/** Appends tokens to a JSON pointer, escaping `~` and `/` (RFC 6901). */
export function pointer(base: string, ...tokens: Array<string | number>): string {
  return tokens.reduce<string>(
    (path, token) => `${path}/${String(token).replace(/~/g, '~0').replace(/\//g, '~1')}`,
    base,
  );
}
