import { readFileSync } from 'node:fs';
import { Kysely, PostgresDialect, type LogEvent } from 'kysely';
import pg from 'pg';
import type { DatabaseTls } from '../config/app-config.js';
import type { Database } from '../../projections/database.js';

// int8 (bigint) columns hold stream sequences and counts, all far below 2^53: read them as numbers.
pg.types.setTypeParser(20, (value: string) => Number(value));

export interface DatabaseOptions {
  connectionString: string;
  maxConnections?: number;
  onQuery?: (event: LogEvent) => void;
  /** `DATABASE_SSL_MODE` and its files; absent = what the connection string says. */
  tls?: DatabaseTls;
}

/** pg's `ssl` option for a libpq-style mode: `require` encrypts, `verify-ca` checks the chain, `verify-full` also the host. */
export function sslOptions(tls: DatabaseTls | undefined): pg.PoolConfig['ssl'] {
  if (!tls || tls.mode === 'disable') return undefined;
  const files = {
    ...(tls.caFile ? { ca: readFileSync(tls.caFile, 'utf8') } : {}),
    ...(tls.certFile ? { cert: readFileSync(tls.certFile, 'utf8') } : {}),
    ...(tls.keyFile ? { key: readFileSync(tls.keyFile, 'utf8') } : {}),
  };
  if (tls.mode === 'require') return { ...files, rejectUnauthorized: false };
  if (tls.mode === 'verify-ca') return { ...files, rejectUnauthorized: true, checkServerIdentity: () => undefined };
  return { ...files, rejectUnauthorized: true };
}

/** A Kysely instance over a `pg` pool. */
export function createDatabase(options: DatabaseOptions): Kysely<Database> {
  const ssl = sslOptions(options.tls);
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    ...(ssl ? { ssl } : {}),
  });
  pool.on('error', () => undefined);
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    ...(options.onQuery ? { log: options.onQuery } : {}),
  });
}
