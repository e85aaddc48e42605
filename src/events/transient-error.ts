import { errors as natsErrors } from '@nats-io/transport-node';
import { JetStreamApiError, JetStreamError } from '@nats-io/jetstream';
import pg from 'pg';
import { EventTooLargeError } from './event-size.js';

/**
 * A dependency (NATS or Postgres) cannot be reached or refused to work right now. HTTP answers it with 503
 * `dependency_unavailable` and `Retry-After`; stream consumers retry the same batch with backoff.
 */
export class DependencyUnavailableError extends Error {
  readonly code = 'dependency_unavailable';
  constructor(
    readonly dependency: 'nats' | 'postgres',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DependencyUnavailableError';
  }
}

/**
 * SQLSTATEs that say "try again": connection (08), resources (53), operator intervention (57), system (58),
 * serialization and deadlock, lock timeout (55P03), idle-in-transaction timeout (25P03), and read-only transaction
 * (25006: the session is on a server that is no longer the primary after a fail-over).
 */
const TRANSIENT_SQLSTATE = /^(08|53|57|58|40001|40P01|55P03|25P03|25006)/;
/** Node system errors of a socket that went away or never came. */
const TRANSIENT_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
]);

/**
 * Infrastructure failures are retried from the checkpoint; anything else that a single event causes makes that event
 * poison. Classified by class and code (JetStream API error codes, SQLSTATE, errno), never by message text, so a NATS
 * or Postgres outage can never dead-letter a good event and a message that merely mentions "timeout" is not retried
 * forever.
 */
export function isTransientError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof DependencyUnavailableError) return true;
  // An event above max_payload never fits, however often it is retried: the data's fault, not the server's.
  if (error instanceof EventTooLargeError) return false;
  // Every JetStream API error (insufficient resources 10023, store failed 10077, temporarily unavailable 503, stream
  // or consumer missing, no leader…) is the server's state, not the event's. Wrong-last-sequence is handled by the
  // writers before it gets here.
  if (error instanceof JetStreamApiError || error instanceof JetStreamError) return true;
  // Not exported by the client; raised when no server answers the JetStream API (e.g. during a restart).
  if (error.name === 'JetStreamNotEnabled') return true;
  if (
    error instanceof natsErrors.ConnectionError ||
    error instanceof natsErrors.ClosedConnectionError ||
    error instanceof natsErrors.DrainingConnectionError ||
    error instanceof natsErrors.TimeoutError ||
    error instanceof natsErrors.NoRespondersError ||
    error instanceof natsErrors.RequestError ||
    error instanceof natsErrors.ProtocolError ||
    error instanceof natsErrors.PermissionViolationError ||
    error instanceof natsErrors.AuthorizationError
  )
    return true;
  if (error instanceof pg.DatabaseError) return typeof error.code === 'string' && TRANSIENT_SQLSTATE.test(error.code);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && TRANSIENT_ERRNO.has(code)) return true;
  // Control flow of the runners themselves: another writer moved on, the lease went away, a newer lease wrote.
  return ['CheckpointMovedError', 'LeaseLostError', 'LeaseFencedError'].includes(error.name);
}

/** Which dependency an infrastructure error is about (for 503 answers and logs). */
export function failedDependency(error: unknown): 'nats' | 'postgres' | null {
  if (error instanceof DependencyUnavailableError) return error.dependency;
  if (!isTransientError(error)) return null;
  if (error instanceof pg.DatabaseError) return 'postgres';
  return 'nats';
}
