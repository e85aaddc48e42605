import type { Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { NatsContext } from './nats-context.js';

/** What the completion endpoint answers over NATS: the HTTP status and body it would have sent. */
export interface CompletionReply {
  status: number;
  body: unknown;
}

/** The bound of the inbox: at most `maxConcurrent` completions are worked on at once; the rest get `busy()`. */
export interface CompletionInboxBound {
  maxConcurrent: number;
  /** The answer to a request past the bound (503 `overloaded` with `retryAfterMs`); nothing is started for it. */
  busy(inflight: number): CompletionReply;
}

/**
 * The completion-inbox port: workers that speak NATS report a step with a request to `<prefix>_job.complete`
 * (queue group `<prefix>-complete`, so one instance answers); the reply mirrors the HTTP endpoint. Requests are
 * delivered as fast as NATS brings them, so the inbox is bounded like HTTP admission: past `maxConcurrent` in
 * progress, a request is answered at once with `busy()` and the worker retries it later.
 */
export function listenForCompletionRequests(
  nats: NatsContext,
  log: Logger,
  handle: (body: unknown) => Promise<CompletionReply>,
  bound: CompletionInboxBound,
): { stop(): void } {
  const subject = nats.subjects.jobComplete;
  let inflight = 0;
  const subscription: Subscription = nats.nc.subscribe(subject, {
    queue: `${nats.subjects.prefix}-complete`,
    callback: (error, message) => {
      if (error) return log.warn({ err: error }, 'completion subscription error');
      if (inflight >= bound.maxConcurrent) {
        message.respond(JSON.stringify(bound.busy(inflight)));
        return;
      }
      let body: unknown;
      try {
        body = message.json();
      } catch (parseError) {
        body = parseError instanceof Error ? parseError : new Error(String(parseError));
      }
      inflight += 1;
      handle(body)
        .then(
          (reply) => message.respond(JSON.stringify(reply)),
          (failure) => log.error({ err: failure }, 'completion over NATS failed without an answer'),
        )
        .finally(() => (inflight -= 1));
    },
  });
  return { stop: () => subscription.unsubscribe() };
}
