/** The roles a process can take (`APPHUB_ROLES`). */
export type Role = 'api' | 'projector' | 'materializer' | 'worker' | 'lineage';
export const ALL_ROLES: readonly Role[] = ['api', 'projector', 'materializer', 'worker', 'lineage'];

/** Where the OpenLineage emitter (role `lineage`) sends its events. */
export type LineageTransportName = 'http' | 'nats';

/** The OpenLineage emitter's settings (`OPENLINEAGE_*`). */
export interface LineageConfig {
  /** `OPENLINEAGE_URL`: the receiver's base URL (Marquez: http://localhost:5000); null when unset. */
  url: string | null;
  /** `OPENLINEAGE_ENDPOINT`: path below the URL (default `api/v1/lineage`). */
  endpoint: string;
  /** `OPENLINEAGE_API_KEY`: sent as a bearer token; null when unset. */
  apiKey: string | null;
  /** `OPENLINEAGE_NAMESPACE`: namespace of the emitted jobs (default `apphub`). */
  jobNamespace: string;
  /** `OPENLINEAGE_DATASET_NAMESPACE`: namespace of the emitted datasets, the assets (default `apphub`). */
  datasetNamespace: string;
  /** `OPENLINEAGE_TRANSPORT`: http when a URL is set, else nats; or a comma list of both. */
  transports: ReadonlySet<LineageTransportName>;
  /** `OPENLINEAGE_NATS_SUBJECT`: subject template with `{slug}`; null = `<prefix>.lineage.{slug}`. */
  natsSubject: string | null;
  /** `OPENLINEAGE_TIMEOUT_MS`: per HTTP request. */
  timeoutMs: number;
}

/** One operator token from `APPHUB_OPERATOR_TOKENS`. */
export interface OperatorToken {
  subject: string;
  token: string;
  scopes: string[];
}

/** How the process authenticates to NATS (one method at most) and the TLS files it uses. */
export interface NatsSecurity {
  user?: string;
  password?: string;
  token?: string;
  /** A user nkey seed (`SU…`). */
  nkeySeed?: string;
  /** A `.creds` file (JWT + nkey seed). */
  credsFile?: string;
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

/** TLS to Postgres (`DATABASE_SSL_MODE`, libpq's names). */
export interface DatabaseTls {
  mode: 'disable' | 'require' | 'verify-ca' | 'verify-full';
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/**
 * The validated, frozen configuration of one process. Built only by `loadConfig(env)`; nothing else reads the
 * environment.
 */
export interface AppConfig {
  natsUrl: string;
  natsSecurity: NatsSecurity;
  databaseUrl: string;
  databaseTls: DatabaseTls;
  /** Hosts, addresses and CIDRs a `serviceUrl` may reach although they are not public. */
  serviceUrlAllowlist: readonly string[];
  httpHost: string;
  httpPort: number;
  /**
   * `APPHUB_HTTP_ACCEPT_COPIES`: extra descriptors of the listening socket, so a busy process accepts up to this
   * + 1 connections per event-loop turn instead of one (`src/http/accept-fanout.ts`); 0 = off.
   */
  httpAcceptCopies: number;
  /** Prefix of every subject, stream, durable and KV bucket (`apphub` → `APPHUB_EVENTS`, `apphub-leases`). */
  subjectPrefix: string;
  roles: ReadonlySet<Role>;
  /** `APPHUB_ROLES` was given: this process runs exactly those roles, whatever the layout. */
  rolesExplicit: boolean;
  /**
   * `npm start` without `APPHUB_ROLES`: `split` runs `api,worker` and `projector,materializer` (+ `lineage`) as two
   * child processes of a supervisor (measured faster, README "Performance"); `single` runs every role here.
   */
  layout: 'split' | 'single';
  /** Health and metrics port of the split layout's second process (`APPHUB_BACK_HTTP_PORT`, default `HTTP_PORT + 1`). */
  backHttpPort: number;
  /** Set by the split layout's supervisor on its children (`APPHUB_SUPERVISED`): stop when the supervisor goes. */
  supervised: boolean;
  /** Started by an npm script (`npm start`, `npm run dev`: npm sets `npm_lifecycle_event`): stop when npm goes. */
  launchedByNpm: boolean;
  operatorTokens: readonly OperatorToken[];
  readAuth: 'open' | 'required';
  maxBodyBytes: number;
  dependencyWaitMs: number;
  /** Webhook deliveries: retry `min(max, base·2^(n−1))` after the n-th failed attempt, dead after `maxAttempts`. */
  webhooks: { retryBaseMs: number; retryMaxMs: number; maxAttempts: number };
  leaseTtlMs: number;
  streamReplicas: number;
  /**
   * Start with replicated streams on a nats-server older than 2.9.20 anyway (it may accept two publishes with the
   * same expected last subject sequence: nats-server#4320). Off by default: start-up refuses such a server.
   */
  allowUnsafeNatsVersion: boolean;
  examplesOutputDir: string;
  loadExamples: boolean;
  migrateOnStart: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  lineage: LineageConfig;
  materializer: {
    baseBackoffMs: number;
    maxBackoffMs: number;
    refreshIntervalMs: number;
    maxConcurrentRunsPerWorkflow: number;
    /** An in-flight auto-run claim older than this is released (its run never ended). */
    maxClaimAgeMs: number;
  };
  /** Bounded admission (DESIGN §10, README "Failure behaviour"): past a bound the API sheds with 503 `overloaded`. */
  admission: {
    /** `APPHUB_MAX_INFLIGHT_REQUESTS`: requests handled or waiting for a slot, at most. */
    maxInflightRequests: number;
    /** `APPHUB_MAX_CONCURRENT_REQUESTS`: requests handled at once at most; more wait in the admission queue. */
    maxConcurrentRequests: number;
    /** `APPHUB_HANDLING_TARGET_MS`: median handling time above which fewer requests are handled at once. */
    handlingTargetMs: number;
    /** `APPHUB_MAX_QUEUE_MS`: the longest a request waits for a slot before it is shed. */
    maxQueueMs: number;
    /** `APPHUB_QUEUE_TARGET_MS`: once every wait of an interval exceeded it (a standing queue), waits are cut to it. */
    queueTargetMs: number;
    /** `APPHUB_MAX_EVENT_LOOP_DELAY_MS`: shed while the event loop is later than this (0: off). */
    maxEventLoopDelayMs: number;
    /** `APPHUB_MAX_EVENT_LOOP_UTILIZATION`: at or above it, a request that would have to wait is shed at once. */
    maxEventLoopUtilization: number;
  };
  /**
   * Tests only (`APPHUB_TEST_RESPONSE_CONTRACT_FILE`): every response is checked against the OpenAPI document and each
   * mismatch appended to this file, which the test harness reads (README "The response contract check").
   */
  responseContractFile: string | null;
  /**
   * Drills only (`APPHUB_TEST_FREEZE_FILE`): when this file names this process and one of its consumers
   * (`<pid> <consumer>`: a process manager, or `read_models`), that consumer's next write stops the process (SIGSTOP)
   * inside its transaction, after its rows and before its checkpoint (`src/runtime/test-freeze.ts`). Unset (the
   * default), nothing looks for the file.
   */
  testFreezeFile: string | null;
  /** `GET /events` streams: their own cap, apart from request admission (0: no stream is served). */
  eventStreams: {
    /** `APPHUB_MAX_EVENT_STREAMS`: open streams of this process. */
    max: number;
    /** `APPHUB_MAX_EVENT_STREAMS_PER_CLIENT`: per token subject, or per address for anonymous readers. */
    maxPerClient: number;
  };
  /** `APPHUB_MAX_CONCURRENT_NATS_COMPLETIONS`: completions over NATS worked on at once; more are answered 503. */
  maxConcurrentNatsCompletions: number;
  /** `APPHUB_MAX_CONCURRENT_TIMERS`: due timers handled at once; more wait in the consumer's buffer. */
  maxConcurrentTimers: number;
}

/** DI token for the `AppConfig`. */
export const APP_CONFIG = Symbol('APP_CONFIG');
