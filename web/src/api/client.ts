import createClient, { type Middleware } from 'openapi-fetch';
import { toApiError } from './problem';
import type { paths } from './schema';
import { readToken } from './token';

/** The stream position the console has seen (from /events): reads wait until their read model is there. */
export const livePosition = { seq: 0 };

const auth: Middleware = {
  onRequest({ request }) {
    const token = readToken();
    if (token && !request.headers.has('authorization')) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
};

/** The typed client of the service's HTTP API, generated from its OpenAPI document (docs/openapi.json). */
export const api = createClient<paths>({
  baseUrl: typeof window === 'undefined' ? 'http://localhost' : window.location.origin,
});
api.use(auth);

/** `{minSeq}` when the console has seen events: read-your-writes with the live stream. */
export function minSeq(): { minSeq?: number } {
  return livePosition.seq > 0 ? { minSeq: livePosition.seq } : {};
}

/** Unwraps an openapi-fetch result: the body on success, else throws an ApiError with the problem document. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok) return result.data as T;
  throw toApiError(result.response.status, result.error, `${result.response.status} ${result.response.statusText}`);
}
