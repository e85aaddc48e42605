/**
 * A broken rule or a missing thing, with a stable snake_case `code` that `problem-details.ts` maps to an HTTP
 * status. Domain code throws these; only `src/http` knows status codes.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DomainError';
  }
}

/** One field problem in a 400 (`errors[]` of the problem document). */
export interface FieldProblem {
  path: string;
  message: string;
}

/** A request that breaks a schema or rule: 400 with the offending paths. */
export class ValidationError extends DomainError {
  constructor(
    code: string,
    message: string,
    readonly errors: FieldProblem[],
    extra: Record<string, unknown> = {},
  ) {
    super(code, message, extra);
    this.name = 'ValidationError';
  }
}
