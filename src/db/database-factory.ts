import { Kysely, PostgresDialect, type LogEvent } from 'kysely';
import pg from 'pg';
import type { Database } from '../../projections/database.js';

// int8 (bigint) columns hold stream sequences and counts, all far below 2^53: read them as numbers.
pg.types.setTypeParser(20, (value: string) => Number(value));

export interface DatabaseOptions {
  connectionString: string;
  maxConnections?: number;
  onQuery?: (event: LogEvent) => void;
}

/** A Kysely instance over a `pg` pool. */
export function createDatabase(options: DatabaseOptions): Kysely<Database> {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.maxConnections ?? 10 });
  pool.on('error', () => undefined);
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    ...(options.onQuery ? { log: options.onQuery } : {}),
  });
}
