import { errors as natsErrors } from '@nats-io/transport-node';
import { JetStreamApiError, type JetStreamClient, type JetStreamPublishOptions, type PubAck } from '@nats-io/jetstream';
import { DependencyUnavailableError } from './transient-error.js';

/** How long one publish waits for its ack before it is sent again (same `Nats-Msg-Id`). */
export const PUBLISH_ATTEMPT_TIMEOUT_MS = 1000;
/**
 * How long a publish keeps trying in all: no request waits longer for the log than it did with the single 3 s
 * attempt before, and a stream without a leader for longer (a Raft election takes 4-9 s on nats-server 2.9) still
 * answers 503 with `Retry-After`, so a client is not held through a whole outage.
 */
export const PUBLISH_RETRY_BUDGET_MS = 3000;
/** What a publish needs of the connection (a `NatsContext` has it). */
export interface PublishingConnection {
  js: JetStreamClient;
  isConnected(): boolean;
  /** Called when the connection is lost; returns the function that stops listening. */
  onDisconnect(listener: () => void): () => void;
}

const CONNECTION_LOST: unique symbol = Symbol('connection lost');
/** Stands for "not connected" until it is thrown (`notConnected()`). */
const NOT_CONNECTED: unique symbol = Symbol('not connected');
const notConnected = () => new DependencyUnavailableError('nats', 'NATS is not connected');
/** Pauses between attempts: a leaderless stream answers "no responders" at once, so they pace the retries. */
const PAUSES_MS = [25, 50, 100, 200, 250];

/**
 * Why a publish was sent again: its ack did not come, nobody took it, the server said "try again", or the client
 * lost its server after the first attempt (it waits for the reconnect).
 */
export type PublishRetryReason = 'timeout' | 'no_responders' | 'unavailable' | 'disconnected';

/**
 * A publish failure that a new attempt may cure, or null: the ack did not come in time (the message may or may not
 * be stored: the retry carries the same `Nats-Msg-Id`, and the server answers a stored one as a duplicate with its
 * sequence, ahead of any expected-sequence check), no server subscribes to the subject (the stream's leader died
 * and the election is not over), or the JetStream API answered status 503. Classified by class and status, never
 * by message text.
 */
export function publishRetryReason(error: unknown): PublishRetryReason | null {
  if (error instanceof natsErrors.TimeoutError) return 'timeout';
  if (isNoResponders(error) || (error instanceof Error && isNoResponders(error.cause))) return 'no_responders';
  if (error instanceof JetStreamApiError && error.status === 503) return 'unavailable';
  return null;
}

function isNoResponders(error: unknown): boolean {
  return error instanceof natsErrors.RequestError && error.isNoResponders();
}

/**
 * One JetStream publish, sent again on a retryable failure (`publishRetryReason`) after a short pause until it is
 * acknowledged or `PUBLISH_RETRY_BUDGET_MS` has passed; then the last failure is thrown (the caller answers 503).
 * Disconnected at the first attempt, it fails at once (`DependencyUnavailableError`: an outage answers fast); a
 * connection lost during an attempt ends that attempt, and later attempts wait for the reconnect instead of
 * publishing into a buffer that the reconnect discards. Only for publishes that are safe to repeat: with a `msgID` (de-duplicated within the stream's
 * window, which is minutes, not seconds) or on a subject that keeps one message.
 */
export async function publishRetrying(
  nats: PublishingConnection,
  subject: string,
  payload: string,
  options: Partial<JetStreamPublishOptions>,
  onRetry: (reason: PublishRetryReason) => void = () => undefined,
): Promise<PubAck> {
  const deadline = Date.now() + PUBLISH_RETRY_BUDGET_MS;
  for (let attempt = 0; ; attempt += 1) {
    // Built only when it is thrown or kept: an Error's stack trace costs more than the publish's own work.
    let failure: unknown = NOT_CONNECTED;
    let reason: PublishRetryReason | null = 'disconnected';
    if (nats.isConnected()) {
      const timeout = Math.max(1, Math.min(PUBLISH_ATTEMPT_TIMEOUT_MS, deadline - Date.now()));
      const sent = nats.js.publish(subject, payload, { ...options, timeout });
      // The client does not fail requests when its connection drops: they would wait for their timeout although
      // the answer can no longer come. The lost connection ends the attempt instead.
      let stopListening: () => void = () => undefined;
      const lost = new Promise<typeof CONNECTION_LOST>((resolve) => {
        stopListening = nats.onDisconnect(() => resolve(CONNECTION_LOST));
      });
      try {
        const outcome = await Promise.race([sent, lost]);
        if (outcome !== CONNECTION_LOST) return outcome;
        sent.catch(() => undefined);
      } catch (error) {
        failure = error;
        reason = publishRetryReason(error);
      } finally {
        stopListening();
      }
    } else if (attempt === 0) throw notConnected();
    const pause = PAUSES_MS[Math.min(attempt, PAUSES_MS.length - 1)]!;
    if (reason === null || Date.now() + pause >= deadline) throw failure === NOT_CONNECTED ? notConnected() : failure;
    onRetry(reason);
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}
