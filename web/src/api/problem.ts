/** An RFC 9457 problem document as the API answers errors (DESIGN §5). */
export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  code?: string;
  errors?: Array<{ path: string; message: string }>;
}

/** A failed API call: carries the problem document, so pages can show its title and detail. */
export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
    this.name = 'ApiError';
  }

  get status(): number {
    return this.problem.status;
  }
}

/** The problem of any error (network errors and unexpected bodies included). */
export function problemOf(error: unknown): Problem {
  if (error instanceof ApiError) return error.problem;
  if (error instanceof TypeError) {
    return { title: 'The service cannot be reached', status: 0, detail: error.message };
  }
  return { title: 'Something went wrong', status: 0, detail: error instanceof Error ? error.message : String(error) };
}

/** Builds an ApiError from a response body that may or may not be a problem document. */
export function toApiError(status: number, body: unknown, fallbackTitle: string): ApiError {
  if (body && typeof body === 'object' && 'title' in body) {
    const problem = body as Partial<Problem>;
    return new ApiError({ ...problem, title: String(problem.title), status: problem.status ?? status } as Problem);
  }
  return new ApiError({
    title: fallbackTitle,
    status,
    detail: typeof body === 'string' ? body.slice(0, 300) : undefined,
  });
}
