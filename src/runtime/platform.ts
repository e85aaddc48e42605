import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../projections/database.js';
import type { AppConfig } from '../config/app-config.js';
import { assertBodyLimitFits } from '../config/load-config.js';
import { asDatabaseMisconfiguration, consumerSessionTimeouts, createDatabase } from '../db/database-factory.js';
import { PAGE_READ_SESSION_OPTIONS, readPagesThrough } from '../../projections/index-order.js';
import { migrateToLatest, pendingMigrations } from '../db/migrate.js';
import { eventCatalog } from '../event-catalog.js';
import { EventSchemaRegistry } from '../events/event-schemas.js';
import type { EventFeed } from '../events/event-feed.js';
import { openEventPorts, type EventPorts } from '../events/event-ports.js';
import type { EventStore } from '../events/event-store.js';
import { createLogger } from '../observability/logger.js';
import { Metrics } from '../observability/metrics.js';

/** The connections and shared services of one process, opened before Nest and closed after it. */
export interface Platform {
  config: AppConfig;
  log: Logger;
  metrics: Metrics;
  db: Kysely<Database>;
  /**
   * The stream consumers' pool: every session bounded below the lease TTL (`consumerSessionTimeouts`), so a
   * leader's transaction cannot outlive its lease.
   */
  consumerDb: Kysely<Database>;
  /** The event log's ports (`src/events` keeps the NATS connection itself). */
  events: EventPorts;
  /** `events.store`: appends and reads domain events. */
  store: EventStore;
  /** `events.feed`: live events for `/events` (one shared consumer per process, created on first use). */
  feed: EventFeed;
  /** Lease owner id of this process. */
  instanceId: string;
  close(): Promise<void>;
}

export class PendingMigrationsError extends Error {
  constructor(readonly pending: string[]) {
    super(
      `the database has pending migrations (${pending.join(', ')}); run \`npm run migrate\` or set APPHUB_MIGRATE_ON_START=true`,
    );
    this.name = 'PendingMigrationsError';
  }
}

export async function openPlatform(
  config: AppConfig,
  options: { log?: Logger; collectDefaultMetrics?: boolean } = {},
): Promise<Platform> {
  const log = options.log ?? createLogger(config.logLevel);
  const metrics = new Metrics(options.collectDefaultMetrics ?? true);
  const db = createDatabase({
    connectionString: config.databaseUrl,
    tls: config.databaseTls,
    maxConnections: 20,
    onConnectionError: (error) => log.warn({ err: error }, 'postgres connection error'),
    onQuery: (event) => {
      metrics.sqlStatements.inc();
      if (log.isLevelEnabled('debug'))
        log.debug({ sql: event.query.sql, queryDurationMillis: event.queryDurationMillis }, 'query');
    },
  });
  const consumerDb = createDatabase({
    connectionString: config.databaseUrl,
    tls: config.databaseTls,
    maxConnections: 10,
    sessionTimeouts: consumerSessionTimeouts(config.leaseTtlMs),
    onConnectionError: (error) => log.warn({ err: error }, 'postgres connection error'),
    onQuery: () => metrics.sqlStatements.inc(),
  });
  const closeDatabases = async () => {
    await consumerDb.destroy().catch(() => undefined);
    await db.destroy().catch(() => undefined);
  };
  try {
    if (config.migrateOnStart) await migrateToLatest(db);
    else {
      const pending = await pendingMigrations(db);
      if (pending.length > 0) throw new PendingMigrationsError(pending);
    }
  } catch (error) {
    await closeDatabases();
    throw asDatabaseMisconfiguration(error, config.databaseTls);
  }
  const events = await openEventPorts(
    {
      natsUrl: config.natsUrl,
      subjectPrefix: config.subjectPrefix,
      streamReplicas: config.streamReplicas,
      leaseTtlMs: config.leaseTtlMs,
      security: config.natsSecurity,
      allowUnsafeServerVersion: config.allowUnsafeNatsVersion,
      // Both at warn: an operator reading why requests answered 503 needs the pair (and the gap between them).
      onConnectionChange: ({ type, server }) =>
        log.warn({ natsServer: server }, type === 'disconnect' ? 'NATS disconnected' : 'NATS reconnected'),
      onPublishRetry: (reason) => metrics.natsPublishRetries.inc({ reason }),
    },
    new EventSchemaRegistry(eventCatalog),
  ).catch(async (error) => {
    await closeDatabases();
    throw error;
  });
  const { connection } = events;
  metrics.watchNats(connection.stats);
  if (connection.versionWarning)
    log.warn(
      { natsServer: connection.serverVersion, problem: connection.versionWarning },
      'started on a nats-server with the clustered expected-sequence race (APPHUB_ALLOW_UNSAFE_NATS_VERSION)',
    );
  else log.info({ natsServer: connection.serverVersion, streamReplicas: config.streamReplicas }, 'connected to NATS');
  try {
    assertBodyLimitFits(config.maxBodyBytes, connection.maxPayload);
  } catch (error) {
    await events.close().catch(() => undefined);
    await closeDatabases();
    throw error;
  }
  // Keyset page reads (history, partitions, catalog, runs) and lookups by keys (a page's check results) in one round
  // trip each: see projections/index-order.ts. History pages asked for together share one statement (at most 4 such
  // statements at once, `WorkflowAssetReads`). With 8 connections and a statement per read, 400 reads/s on a saturated
  // 2-core machine queued for it (p50 1.2 s, 503 waiting; 0.5 s with 24), although each statement takes 0.1 ms in
  // Postgres: a connection is held for the round trip as the busy process sees it. Opened on demand.
  const pageReads = createDatabase({
    connectionString: config.databaseUrl,
    tls: config.databaseTls,
    maxConnections: 16,
    sessionOptions: PAGE_READ_SESSION_OPTIONS,
    onConnectionError: (error) => log.warn({ err: error }, 'postgres connection error (page reads)'),
    onQuery: () => metrics.sqlStatements.inc(),
  });
  readPagesThrough(db, pageReads);
  events.store.onAppend((type) => metrics.eventsAppended.inc({ type }));
  return {
    config,
    log,
    metrics,
    db,
    consumerDb,
    events,
    store: events.store,
    feed: events.feed,
    instanceId: `${process.pid}:${randomUUID()}`,
    close: async () => {
      await events.close().catch(() => undefined);
      await pageReads.destroy().catch(() => undefined);
      await closeDatabases();
    },
  };
}
