import type { Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { NatsContext } from './nats-context.js';

/** What the completion endpoint answers over NATS: the HTTP status and body it would have sent. */
export interface CompletionReply {
  status: number;
  body: unknown;
}

/**
 * The completion-inbox port: workers that speak NATS report a step with a request to `<prefix>_job.complete`
 * (queue group `<prefix>-complete`, so one instance answers); the reply mirrors the HTTP endpoint.
 */
export function listenForCompletionRequests(
  nats: NatsContext,
  log: Logger,
  handle: (body: unknown) => Promise<CompletionReply>,
): { stop(): void } {
  const subject = nats.subjects.jobComplete;
  const subscription: Subscription = nats.nc.subscribe(subject, {
    queue: `${nats.subjects.prefix}-complete`,
    callback: (error, message) => {
      if (error) return log.warn({ err: error }, 'completion subscription error');
      let body: unknown;
      try {
        body = message.json();
      } catch (parseError) {
        body = parseError instanceof Error ? parseError : new Error(String(parseError));
      }
      handle(body).then(
        (reply) => message.respond(JSON.stringify(reply)),
        (failure) => log.error({ err: failure }, 'completion over NATS failed without an answer'),
      );
    },
  });
  return { stop: () => subscription.unsubscribe() };
}
