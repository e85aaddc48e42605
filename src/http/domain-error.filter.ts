import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { DomainError, ValidationError } from '../domain/domain-error.js';
import { EventTooLargeError } from '../events/event-size.js';
import { failedDependency } from '../events/transient-error.js';
import { redactUrl } from '../observability/logger.js';
import { problemFor, type ProblemDocument } from './problem-details.js';

const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_BAD_URL: 'invalid_request',
  FST_ERR_MAX_PARAM_LENGTH: 'uri_too_long',
};

const STATUS_CODES: Record<number, string> = {
  400: 'invalid_request',
  404: 'route_not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

/** Turns any error into an RFC 9457 problem document. */
export function toProblem(error: unknown, instance: string): ProblemDocument {
  if (error instanceof ValidationError) {
    return problemFor(error.code, error.message, instance, { ...error.extra, errors: error.errors });
  }
  if (error instanceof DomainError) return problemFor(error.code, error.message, instance, error.extra);
  if (error instanceof EventTooLargeError)
    return problemFor('payload_too_large', error.message, instance, { size: error.size, limit: error.limit });
  const dependency = failedDependency(error);
  if (dependency) {
    // Nothing was recorded (or it will be, if the append went through): the client retries.
    return problemFor(
      'dependency_unavailable',
      `${dependency === 'nats' ? 'NATS' : 'Postgres'} is unavailable right now; nothing was recorded for this request unless it was already answered. Retry shortly.`,
      instance,
      { dependency, retryAfterMs: RETRY_AFTER_MS.dependency_unavailable },
    );
  }
  const fastifyCode = (error as { code?: string })?.code;
  if (fastifyCode && FASTIFY_CODES[fastifyCode]) {
    const code = FASTIFY_CODES[fastifyCode]!;
    const detail =
      code === 'invalid_json' ? `The body is not valid JSON: ${(error as Error).message}` : (error as Error).message;
    return problemFor(code, detail, instance);
  }
  if (error instanceof SyntaxError)
    return problemFor('invalid_json', `The body is not valid JSON: ${error.message}`, instance);
  if (error instanceof HttpException && STATUS_CODES[error.getStatus()]) {
    return problemFor(STATUS_CODES[error.getStatus()]!, error.message, instance);
  }
  const status = (error as { statusCode?: number })?.statusCode;
  if (typeof status === 'number' && STATUS_CODES[status])
    return problemFor(STATUS_CODES[status]!, (error as Error).message, instance);
  return problemFor(
    'internal_error',
    'An unexpected error occurred; it has been logged with the request id.',
    instance,
  );
}

/**
 * How long a client should wait before retrying a 503, by code: `Retry-After` carries whole seconds (RFC 9110),
 * `retry-after-ms` and the body's `retryAfterMs` the milliseconds.
 */
export const RETRY_AFTER_MS: Record<string, number> = {
  read_model_lagging: 1000,
  dependency_unavailable: 1000,
  overloaded: 1000,
  event_streams_exhausted: 1000,
};

/** Writes a problem document; 5xx are logged with the request id (outages once per request at warn). */
export function sendProblem(reply: FastifyReply, request: FastifyRequest, error: unknown, log: Logger): void {
  // The URL may carry an `access_token` (EventSource clients): never logged, never echoed.
  const url = redactUrl(request.url);
  const problem = toProblem(error, url);
  if (problem.code === 'dependency_unavailable') {
    log.warn({ err: error, reqId: request.id, url }, 'dependency unavailable');
  } else if (problem.status >= 500 && !(problem.code in RETRY_AFTER_MS)) {
    log.error({ err: error, reqId: request.id, url }, 'request failed');
  }
  const stated = (problem as { retryAfterMs?: unknown }).retryAfterMs;
  const retryAfterMs = typeof stated === 'number' ? stated : RETRY_AFTER_MS[problem.code];
  if (retryAfterMs !== undefined) {
    // RFC 9110 allows whole seconds only; `retry-after-ms` (and the body's `retryAfterMs`) carry milliseconds.
    void reply
      .header('Retry-After', String(Math.max(1, Math.ceil(retryAfterMs / 1000))))
      .header('retry-after-ms', String(retryAfterMs));
  }
  void reply.status(problem.status).header('content-type', 'application/problem+json; charset=utf-8').send(problem);
}

/** The Nest side: every exception thrown by a controller, guard or pipe. */
@Catch()
export class DomainErrorFilter implements ExceptionFilter {
  constructor(private readonly log: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(http.getResponse<FastifyReply>(), http.getRequest<FastifyRequest>(), error, this.log);
  }
}
