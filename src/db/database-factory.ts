import { readFileSync } from 'node:fs';
import { Kysely, PostgresDialect, type LogEvent, type PostgresPool, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import type { DatabaseTls } from '../config/app-config.js';
import type { Database } from '../../projections/database.js';
import { DependencyUnavailableError } from '../events/transient-error.js';
import { assertReadableFiles, certificateErrorCode, MisconfigurationError } from '../config/misconfiguration.js';

// int8 (bigint) columns hold stream sequences and counts, all far below 2^53: read them as numbers.
pg.types.setTypeParser(20, (value: string) => Number(value));

export interface DatabaseOptions {
  connectionString: string;
  maxConnections?: number;
  onQuery?: (event: LogEvent) => void;
  /** Time to get a connection before failing with `dependency_unavailable` (default 3 s). */
  connectionTimeoutMs?: number;
  /** Client-side bound on one statement (default none; the API process sets one). */
  queryTimeoutMs?: number;
  /** Told about connection-level failures (for logs); never throws. */
  onConnectionError?: (error: Error) => void;
  /** `DATABASE_SSL_MODE` and its files; absent = what the connection string says. */
  tls?: DatabaseTls;
  /** Server settings of every connection of the pool (libpq `options`, e.g. `-c enable_sort=off`). */
  sessionOptions?: string;
  /** Server-side bounds set on every session of the pool (consumers: see `consumerSessionTimeouts`). */
  sessionTimeouts?: SessionTimeouts;
}

/** Postgres session settings, in ms: `statement_timeout`, `lock_timeout`, `idle_in_transaction_session_timeout`. */
export interface SessionTimeouts {
  statementMs: number;
  lockMs: number;
  idleInTransactionMs: number;
}

/**
 * The bounds on a stream consumer's sessions, derived from `APPHUB_LEASE_TTL_MS`: half the TTL each, so no
 * transaction of a leader outlives its lease. A leader frozen inside a batch (SIGSTOP, a long GC pause, a VM
 * migration) has its session ended by Postgres before the lease can pass to another instance, so its row locks do
 * not stall the new leader; a statement or a lock wait that long fails (SQLSTATE 57014 / 55P03, retried).
 */
export function consumerSessionTimeouts(leaseTtlMs: number): SessionTimeouts {
  const half = Math.max(500, Math.floor(leaseTtlMs / 2));
  return { statementMs: half, lockMs: half, idleInTransactionMs: half };
}

/** pg's `ssl` option for a libpq-style mode: `require` encrypts, `verify-ca` checks the chain, `verify-full` also the host. */
export function sslOptions(tls: DatabaseTls | undefined): pg.PoolConfig['ssl'] {
  if (!tls || tls.mode === 'disable') return undefined;
  assertReadableFiles({
    DATABASE_SSL_CA_FILE: tls.caFile,
    DATABASE_SSL_CERT_FILE: tls.certFile,
    DATABASE_SSL_KEY_FILE: tls.keyFile,
  });
  const files = {
    ...(tls.caFile ? { ca: readFileSync(tls.caFile, 'utf8') } : {}),
    ...(tls.certFile ? { cert: readFileSync(tls.certFile, 'utf8') } : {}),
    ...(tls.keyFile ? { key: readFileSync(tls.keyFile, 'utf8') } : {}),
  };
  if (tls.mode === 'require') return { ...files, rejectUnauthorized: false };
  if (tls.mode === 'verify-ca') return { ...files, rejectUnauthorized: true, checkServerIdentity: () => undefined };
  return { ...files, rejectUnauthorized: true };
}

/**
 * A Kysely instance over a `pg` pool that survives Postgres outages: every client gets an `error` listener (a
 * checked-out client whose server goes away emits one, and an unheard `error` event would crash the process), and
 * every failure that is not an error the server reported (a `DatabaseError` with a SQLSTATE) is rethrown as
 * `DependencyUnavailableError('postgres')`, so callers classify by type instead of by message text.
 */
export function createDatabase(options: DatabaseOptions): Kysely<Database> {
  const ssl = sslOptions(options.tls);
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 3000,
    keepAlive: true,
    ...(options.queryTimeoutMs ? { query_timeout: options.queryTimeoutMs } : {}),
    ...(options.sessionOptions ? { options: options.sessionOptions } : {}),
    ...(options.sessionTimeouts
      ? {
          statement_timeout: options.sessionTimeouts.statementMs,
          lock_timeout: options.sessionTimeouts.lockMs,
          idle_in_transaction_session_timeout: options.sessionTimeouts.idleInTransactionMs,
        }
      : {}),
    ...(ssl ? { ssl } : {}),
  });
  const report = (error: Error) => options.onConnectionError?.(error);
  pool.on('error', report);
  pool.on('connect', (client) => client.on('error', report));
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool: resilientPool(pool) }),
    ...(options.onQuery ? { log: options.onQuery } : {}),
  });
}

function resilientPool(pool: pg.Pool): PostgresPool {
  return {
    async connect(): Promise<PostgresPoolClient> {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw asDatabaseError(error);
      }
      // A client whose connection failed is destroyed on release instead of going back to the pool.
      let broken: Error | undefined;
      return {
        query: ((...args: unknown[]) =>
          (client.query as (...a: unknown[]) => Promise<unknown>)(...args).catch((error: unknown) => {
            const classified = asDatabaseError(error);
            if (classified instanceof DependencyUnavailableError || dropsSession(classified))
              broken = classified as Error;
            throw classified;
          })) as PostgresPoolClient['query'],
        release: () => client.release(broken),
      };
    },
    end: () => pool.end(),
  };
}

/**
 * Server-reported errors after which the session is not reused: it is on a server that is no longer the primary
 * (25006 read-only transaction, after a Postgres fail-over: a new connection reaches the new primary through the
 * same address), or the server ended it (25P03 idle-in-transaction timeout).
 */
export function dropsSession(error: unknown): boolean {
  return error instanceof pg.DatabaseError && (error.code === '25006' || error.code === '25P03');
}

/** Server-reported errors keep their SQLSTATE; programming errors stay what they are; the rest is an outage. */
export function asDatabaseError(error: unknown): unknown {
  if (error instanceof pg.DatabaseError) return error;
  if (error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError) return error;
  if (error instanceof DependencyUnavailableError) return error;
  return new DependencyUnavailableError('postgres', `postgres unavailable: ${(error as Error)?.message ?? error}`, {
    cause: error,
  });
}

/** SQLSTATEs of a connection that no retry will let in: bad password / no such role / no access, no such database. */
const REFUSED: Readonly<Record<string, string>> = {
  '28P01': 'Postgres refused the user or password',
  '28000': 'Postgres refused this user (pg_hba.conf or role)',
  '3D000': 'the database does not exist',
  '42501': 'this user lacks a privilege the service needs',
};

/**
 * A start-up failure that waiting cannot fix, as a `MisconfigurationError` naming the setting (refused
 * credentials by SQLSTATE, a server certificate that does not verify by its TLS code); anything else unchanged.
 */
export function asDatabaseMisconfiguration(error: unknown, tls: DatabaseTls | undefined): unknown {
  if (error instanceof pg.DatabaseError && error.code !== undefined && REFUSED[error.code])
    return new MisconfigurationError('DATABASE_URL', `${REFUSED[error.code]} (SQLSTATE ${error.code})`, {
      cause: error,
    });
  const certificate = certificateErrorCode(error);
  if (certificate === null) return error;
  const setting = tls?.caFile ? 'DATABASE_SSL_CA_FILE' : 'DATABASE_SSL_MODE';
  return new MisconfigurationError(setting, `the Postgres server's certificate does not verify (${certificate})`, {
    cause: error,
  });
}
