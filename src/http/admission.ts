import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { DomainError } from '../domain/domain-error.js';
import type { Metrics } from '../observability/metrics.js';
import { RETRY_AFTER_MS, sendProblem, toProblem } from './domain-error.filter.js';

export interface AdmissionOptions {
  maxInflightRequests: number;
  maxEventLoopDelayMs: number;
  log: Logger;
  metrics: Metrics;
}

/** Probes and metrics are always answered, whatever the load. */
const EXEMPT = /^\/(health\/|metrics(\?|$))/;

/**
 * Bounded admission (DESIGN §10): past `APPHUB_MAX_INFLIGHT_REQUESTS` requests in progress, or an event-loop delay
 * past `APPHUB_MAX_EVENT_LOOP_DELAY_MS` (measured by `@fastify/under-pressure`), a new request is answered at once
 * with 503 `overloaded` and `Retry-After` instead of queueing until clients time out or connections reset. Nothing
 * is started for a shed request, so nothing accepted is lost.
 */
export async function registerAdmission(fastify: FastifyInstance, options: AdmissionOptions): Promise<void> {
  const shed = (request: FastifyRequest, reply: FastifyReply, reason: string, detail: string) => {
    options.metrics.requestsShed.inc({ reason });
    sendProblem(reply, request, overloaded(detail), options.log);
  };
  // The plugin continues the request when its handler returns nothing and sends what it returns otherwise.
  const pressureHandler = (request: FastifyRequest, reply: FastifyReply, type: string, value: number | undefined) => {
    if (EXEMPT.test(request.url)) return undefined;
    options.metrics.requestsShed.inc({ reason: type });
    const detail = `event-loop delay ${Math.round(value ?? 0)} ms is above ${options.maxEventLoopDelayMs} ms`;
    const problem = toProblem(overloaded(detail), request.url);
    void reply
      .status(problem.status)
      .header('Retry-After', String(Math.ceil(RETRY_AFTER_MS.overloaded! / 1000)))
      .header('content-type', 'application/problem+json; charset=utf-8');
    return problem;
  };
  await fastify.register(underPressure, {
    maxEventLoopDelay: options.maxEventLoopDelayMs,
    sampleInterval: 1000,
    pressureHandler: pressureHandler as never,
  });
  let inflight = 0;
  fastify.addHook('onRequest', (request, reply, done) => {
    if (EXEMPT.test(request.url)) return done();
    if (inflight >= options.maxInflightRequests) {
      shed(request, reply, 'inflight', `${inflight} requests are in progress (bound ${options.maxInflightRequests})`);
      return;
    }
    inflight += 1;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      inflight -= 1;
    };
    reply.raw.once('finish', release);
    reply.raw.once('close', release);
    done();
  });
}

function overloaded(detail: string): DomainError {
  return new DomainError('overloaded', `The service is at capacity (${detail}); retry shortly.`, {
    retryAfterMs: RETRY_AFTER_MS.overloaded,
  });
}
