/** The roles a process can take (`APPHUB_ROLES`). */
export type Role = 'api' | 'projector' | 'materializer' | 'worker';
export const ALL_ROLES: readonly Role[] = ['api', 'projector', 'materializer', 'worker'];

/** One operator token from `APPHUB_OPERATOR_TOKENS`. */
export interface OperatorToken {
  subject: string;
  token: string;
  scopes: string[];
}

/**
 * The validated, frozen configuration of one process. Built only by `loadConfig(env)`; nothing else reads the
 * environment.
 */
export interface AppConfig {
  natsUrl: string;
  databaseUrl: string;
  httpHost: string;
  httpPort: number;
  /** Prefix of every subject, stream, durable and KV bucket (`apphub` → `APPHUB_EVENTS`, `apphub-leases`). */
  subjectPrefix: string;
  roles: ReadonlySet<Role>;
  operatorTokens: readonly OperatorToken[];
  readAuth: 'open' | 'required';
  maxBodyBytes: number;
  dependencyWaitMs: number;
  leaseTtlMs: number;
  streamReplicas: number;
  examplesOutputDir: string;
  loadExamples: boolean;
  migrateOnStart: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  materializer: {
    baseBackoffMs: number;
    maxBackoffMs: number;
    refreshIntervalMs: number;
    maxConcurrentRunsPerWorkflow: number;
    /** An in-flight auto-run claim older than this is released (its run never ended). */
    maxClaimAgeMs: number;
  };
  /** Bounded admission (DESIGN §10): past either bound the API sheds load with 503 `overloaded`. */
  admission: {
    maxInflightRequests: number;
    maxEventLoopDelayMs: number;
  };
}

/** DI token for the `AppConfig`. */
export const APP_CONFIG = Symbol('APP_CONFIG');
