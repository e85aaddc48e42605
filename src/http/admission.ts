import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { DomainError } from '../domain/domain-error.js';
import type { Metrics } from '../observability/metrics.js';
import { AdmissionQueue, type AdmissionBounds } from './admission-queue.js';
import { RETRY_AFTER_MS, sendProblem } from './domain-error.filter.js';

export interface AdmissionOptions extends AdmissionBounds {
  log: Logger;
  metrics: Metrics;
}

/** Probes and metrics are always answered, whatever the load. */
const EXEMPT = /^\/(health\/|metrics(\?|$))/;
/** `GET /events` streams have their own cap (`LiveStreams`): an open stream never holds a request slot. */
const EVENT_STREAM_ROUTE = '/events';

/**
 * Bounded admission (DESIGN §10, README "Failure behaviour"): every request except probes, metrics and event
 * streams goes through an `AdmissionQueue`, which sheds by queue time, event-loop delay and utilisation and a
 * count, answering 503 `overloaded` with `Retry-After` (seconds), `retry-after-ms` and `retryAfterMs` at once
 * instead of queueing until clients time out. Nothing is started for a shed request, so nothing accepted is lost.
 * Reads with `minSeq` wait on the projector, not on this process: they count to the in-flight bound but take no
 * handling slot.
 */
export async function registerAdmission(fastify: FastifyInstance, options: AdmissionOptions): Promise<void> {
  const queue = new AdmissionQueue(options);
  queue.start();
  fastify.addHook('onClose', (_instance, done) => {
    queue.stop();
    done();
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    if (EXEMPT.test(request.url) || isEventStream(request)) return done();
    let release = () => undefined as void;
    let ended = false;
    const end = () => {
      ended = true;
      release();
    };
    reply.raw.once('finish', end);
    reply.raw.once('close', end);
    ({ release } = queue.offer(
      {
        admit: (waitedMs) => {
          options.metrics.admissionWait.observe(waitedMs / 1000);
          done();
        },
        shed: (reason, detail) => {
          options.metrics.requestsShed.inc({ reason });
          sendProblem(reply, request, overloaded(detail), options.log);
        },
      },
      !waitsForMinSeq(request),
    ));
    if (ended) release();
  });
}

function isEventStream(request: FastifyRequest): boolean {
  return request.method === 'GET' && request.routeOptions?.url === EVENT_STREAM_ROUTE;
}

function waitsForMinSeq(request: FastifyRequest): boolean {
  const query = request.query as Record<string, unknown> | undefined;
  return request.method === 'GET' && query?.minSeq !== undefined;
}

/**
 * The 503 of a shed request. Built without a stack trace: under overload it is made for thousands of requests a
 * second, and capturing a stack was a fifth of the cost of shedding one (a shed request is no bug to debug).
 */
export function overloaded(detail: string): DomainError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new DomainError('overloaded', `The service is at capacity (${detail}); retry shortly.`, {
      retryAfterMs: RETRY_AFTER_MS.overloaded,
    });
  } finally {
    Error.stackTraceLimit = limit;
  }
}
