import { ALL_ROLES, type AppConfig, type Role } from './app-config.js';
import { parseDatabaseTls, parseNatsSecurity, parseServiceUrlAllowlist } from './connection-security.js';
import { lineageConfig } from './lineage-config.js';
import { parseTokens } from './operator-tokens.js';
import { redactedValue } from './redact.js';
import { compileSchema } from '../validation/validation-policies.js';

/** Every environment variable the service reads, with its default (`undefined` = required to be absent-safe). */
export const CONFIG_ENV_DEFAULTS = {
  NATS_URL: 'nats://127.0.0.1:4222',
  NATS_USER: '',
  NATS_PASSWORD: '',
  NATS_TOKEN: '',
  NATS_NKEY_SEED: '',
  NATS_CREDS_FILE: '',
  NATS_TLS_CA_FILE: '',
  NATS_TLS_CERT_FILE: '',
  NATS_TLS_KEY_FILE: '',
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/apphub',
  DATABASE_SSL_MODE: 'disable',
  DATABASE_SSL_CA_FILE: '',
  DATABASE_SSL_CERT_FILE: '',
  DATABASE_SSL_KEY_FILE: '',
  APPHUB_SERVICE_URL_ALLOWLIST: '',
  HTTP_HOST: '0.0.0.0',
  HTTP_PORT: '4000',
  APPHUB_HTTP_ACCEPT_COPIES: '32',
  APPHUB_SUBJECT_PREFIX: 'apphub',
  APPHUB_ROLES: 'api,projector,materializer,worker',
  APPHUB_LAYOUT: 'split',
  APPHUB_BACK_HTTP_PORT: '',
  APPHUB_SUPERVISED: 'false',
  APPHUB_OPERATOR_TOKENS: '[]',
  APPHUB_READ_AUTH: 'open',
  APPHUB_MAX_BODY_BYTES: String(512 * 1024),
  APPHUB_DEPENDENCY_WAIT_MS: '600000',
  APPHUB_WEBHOOK_RETRY_BASE_MS: '5000',
  APPHUB_WEBHOOK_RETRY_MAX_MS: '3600000',
  APPHUB_WEBHOOK_MAX_ATTEMPTS: '12',
  APPHUB_LEASE_TTL_MS: '10000',
  APPHUB_STREAM_REPLICAS: '1',
  APPHUB_ALLOW_UNSAFE_NATS_VERSION: 'false',
  APPHUB_EXAMPLES_OUTPUT_DIR: '.data/examples-output',
  APPHUB_LOAD_EXAMPLES: 'false',
  APPHUB_MIGRATE_ON_START: 'true',
  LOG_LEVEL: 'info',
  ASSET_MATERIALIZER_BASE_BACKOFF_MS: '120000',
  ASSET_MATERIALIZER_MAX_BACKOFF_MS: '1800000',
  ASSET_MATERIALIZER_REFRESH_INTERVAL_MS: '600000',
  ASSET_MATERIALIZER_MAX_CONCURRENT_RUNS_PER_WORKFLOW: '4',
  ASSET_MATERIALIZER_MAX_CLAIM_AGE_MS: '21600000',
  APPHUB_MAX_INFLIGHT_REQUESTS: '512',
  APPHUB_MAX_CONCURRENT_REQUESTS: '64',
  APPHUB_HANDLING_TARGET_MS: '250',
  APPHUB_MAX_QUEUE_MS: '100',
  APPHUB_QUEUE_TARGET_MS: '20',
  APPHUB_MAX_EVENT_LOOP_DELAY_MS: '500',
  APPHUB_MAX_EVENT_LOOP_UTILIZATION: '0.98',
  APPHUB_MAX_EVENT_STREAMS: '2000',
  APPHUB_MAX_EVENT_STREAMS_PER_CLIENT: '100',
  APPHUB_MAX_CONCURRENT_NATS_COMPLETIONS: '64',
  APPHUB_MAX_CONCURRENT_TIMERS: '64',
  OPENLINEAGE_URL: '',
  OPENLINEAGE_ENDPOINT: 'api/v1/lineage',
  OPENLINEAGE_API_KEY: '',
  OPENLINEAGE_NAMESPACE: 'apphub',
  OPENLINEAGE_DATASET_NAMESPACE: 'apphub',
  OPENLINEAGE_TRANSPORT: '',
  OPENLINEAGE_NATS_SUBJECT: '',
  OPENLINEAGE_TIMEOUT_MS: '10000',
  APPHUB_TEST_RESPONSE_CONTRACT_FILE: '',
  APPHUB_TEST_FREEZE_FILE: '',
} as const;

/** With `OPENLINEAGE_URL` set and `APPHUB_ROLES` unset, the process also takes the `lineage` role. */
const DEFAULT_ROLES_WITH_LINEAGE = 'api,projector,materializer,worker,lineage';

export type ConfigEnvName = keyof typeof CONFIG_ENV_DEFAULTS;

/** Thrown once with every problem found, so an operator fixes them all in one go. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const ONE_YEAR_MS = 31_536_000_000;
const int = (minimum: number, maximum = Number.MAX_SAFE_INTEGER) => ({ type: 'integer', minimum, maximum });
const bool = { type: 'boolean' };

const envSchema = {
  type: 'object',
  properties: {
    NATS_URL: { type: 'string', pattern: '^(nats|tls|ws|wss)://[^\\s]+$|^[^\\s:/]+:\\d+(,[^\\s:/]+:\\d+)*$' },
    DATABASE_URL: { type: 'string', pattern: '^postgres(ql)?://[^\\s]+$' },
    HTTP_HOST: { type: 'string', minLength: 1 },
    HTTP_PORT: int(0, 65535),
    APPHUB_HTTP_ACCEPT_COPIES: int(0, 64),
    APPHUB_SUBJECT_PREFIX: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,31}$' },
    APPHUB_ROLES: { type: 'string', pattern: `^(${ALL_ROLES.join('|')})(,(${ALL_ROLES.join('|')}))*$` },
    APPHUB_LAYOUT: { enum: ['split', 'single'] },
    APPHUB_BACK_HTTP_PORT: { type: 'string', pattern: '^$|^[0-9]{1,5}$' },
    APPHUB_SUPERVISED: bool,
    APPHUB_OPERATOR_TOKENS: { type: 'string' },
    APPHUB_READ_AUTH: { enum: ['open', 'required'] },
    APPHUB_MAX_BODY_BYTES: int(1024, 64 * 1024 * 1024),
    APPHUB_DEPENDENCY_WAIT_MS: int(1000, ONE_YEAR_MS),
    APPHUB_WEBHOOK_RETRY_BASE_MS: int(100, 86_400_000),
    APPHUB_WEBHOOK_RETRY_MAX_MS: int(100, 86_400_000),
    APPHUB_WEBHOOK_MAX_ATTEMPTS: int(1, 100),
    APPHUB_LEASE_TTL_MS: int(1000, 600_000),
    APPHUB_STREAM_REPLICAS: { type: 'integer', enum: [1, 3, 5] },
    APPHUB_ALLOW_UNSAFE_NATS_VERSION: bool,
    APPHUB_EXAMPLES_OUTPUT_DIR: { type: 'string', minLength: 1 },
    APPHUB_LOAD_EXAMPLES: bool,
    APPHUB_MIGRATE_ON_START: bool,
    LOG_LEVEL: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    ASSET_MATERIALIZER_BASE_BACKOFF_MS: int(1000, ONE_YEAR_MS),
    ASSET_MATERIALIZER_MAX_BACKOFF_MS: int(1000, ONE_YEAR_MS),
    ASSET_MATERIALIZER_REFRESH_INTERVAL_MS: int(1000, ONE_YEAR_MS),
    ASSET_MATERIALIZER_MAX_CONCURRENT_RUNS_PER_WORKFLOW: int(1, 1000),
    ASSET_MATERIALIZER_MAX_CLAIM_AGE_MS: int(1000, ONE_YEAR_MS),
    APPHUB_MAX_INFLIGHT_REQUESTS: int(1, 1_000_000),
    APPHUB_MAX_CONCURRENT_REQUESTS: int(1, 1_000_000),
    APPHUB_HANDLING_TARGET_MS: int(1, 600_000),
    APPHUB_MAX_QUEUE_MS: int(0, 600_000),
    APPHUB_QUEUE_TARGET_MS: int(1, 600_000),
    APPHUB_MAX_EVENT_LOOP_DELAY_MS: int(0, 600_000),
    APPHUB_MAX_EVENT_LOOP_UTILIZATION: { type: 'number', minimum: 0, maximum: 1 },
    APPHUB_MAX_EVENT_STREAMS: int(0, 1_000_000),
    APPHUB_MAX_EVENT_STREAMS_PER_CLIENT: int(0, 1_000_000),
    APPHUB_MAX_CONCURRENT_NATS_COMPLETIONS: int(1, 100_000),
    APPHUB_MAX_CONCURRENT_TIMERS: int(1, 100_000),
    OPENLINEAGE_URL: { type: 'string', pattern: '^$|^https?://[^\\s/?#]+[^\\s]*$' },
    OPENLINEAGE_ENDPOINT: { type: 'string', pattern: '^[^\\s?#]*$' },
    OPENLINEAGE_API_KEY: { type: 'string', pattern: '^[^\\s]*$' },
    OPENLINEAGE_NAMESPACE: { type: 'string', pattern: '^[^\\s]{1,200}$' },
    OPENLINEAGE_DATASET_NAMESPACE: { type: 'string', pattern: '^[^\\s]{1,200}$' },
    OPENLINEAGE_TRANSPORT: { type: 'string', pattern: '^$|^(http|nats)(,(http|nats))?$' },
    OPENLINEAGE_NATS_SUBJECT: {
      type: 'string',
      pattern: '^$|^([A-Za-z0-9_:-]+|\\{slug\\})(\\.([A-Za-z0-9_:-]+|\\{slug\\}))*$',
    },
    OPENLINEAGE_TIMEOUT_MS: int(100, 600_000),
    APPHUB_TEST_RESPONSE_CONTRACT_FILE: { type: 'string' },
    APPHUB_TEST_FREEZE_FILE: { type: 'string' },
  },
} as const;

const validateEnv = compileSchema('config', envSchema);

/** NATS payloads default to 1 MiB (what deploy/ configures); the real limit is read from the server at start. */
export const NATS_DEFAULT_MAX_PAYLOAD = 1024 * 1024;
/** Room an event needs beside the request body it carries (envelope, metadata, headers). */
export const EVENT_ENVELOPE_ROOM_BYTES = 64 * 1024;

/**
 * The start-up check of DESIGN §5: events carry request bodies, so a body limit above the server's real
 * `max_payload` minus `EVENT_ENVELOPE_ROOM_BYTES` is a configuration error.
 */
export function assertBodyLimitFits(maxBodyBytes: number, maxPayload: number): void {
  if (maxBodyBytes > maxPayload - EVENT_ENVELOPE_ROOM_BYTES) {
    throw new ConfigError([
      `APPHUB_MAX_BODY_BYTES=${maxBodyBytes} exceeds the NATS server's max_payload (${maxPayload}) minus ` +
        `${EVENT_ENVELOPE_ROOM_BYTES} bytes for the event envelope; lower it to at most ` +
        `${maxPayload - EVENT_ENVELOPE_ROOM_BYTES} or raise max_payload on the server`,
    ]);
  }
}

/**
 * Builds the `AppConfig` from an environment map. Pure: the caller passes `process.env`. Every problem is
 * collected and thrown once as a `ConfigError`.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): AppConfig {
  const raw: Record<string, unknown> = {};
  for (const [name, fallback] of Object.entries(CONFIG_ENV_DEFAULTS)) {
    const value = env[name];
    raw[name] = value === undefined || value.trim() === '' ? fallback : value.trim();
  }
  const problems: string[] = [];
  if (!validateEnv(raw)) {
    for (const error of validateEnv.errors ?? []) {
      const name = error.instancePath.replace(/^\//, '');
      problems.push(`${name}=${redactedValue(name, env[name])}: ${error.message ?? 'is invalid'}`);
    }
  }
  const tokens = parseTokens(String(raw.APPHUB_OPERATOR_TOKENS), problems);
  const base = Number(raw.ASSET_MATERIALIZER_BASE_BACKOFF_MS);
  const max = Number(raw.ASSET_MATERIALIZER_MAX_BACKOFF_MS);
  if (Number.isInteger(base) && Number.isInteger(max) && max < base) {
    problems.push(
      `ASSET_MATERIALIZER_MAX_BACKOFF_MS=${max} must be at least ASSET_MATERIALIZER_BASE_BACKOFF_MS=${base}`,
    );
  }
  const maxBody = Number(raw.APPHUB_MAX_BODY_BYTES);
  const natsSecurity = parseNatsSecurity(env, problems);
  const databaseTls = parseDatabaseTls(env, String(raw.DATABASE_URL), problems);
  const serviceUrlAllowlist = parseServiceUrlAllowlist(String(raw.APPHUB_SERVICE_URL_ALLOWLIST), problems);
  const lineage = lineageConfig(raw, problems);
  const roles = env.APPHUB_ROLES?.trim() || !lineage.url ? String(raw.APPHUB_ROLES) : DEFAULT_ROLES_WITH_LINEAGE;
  const backHttpPort = backPort(String(raw.APPHUB_BACK_HTTP_PORT), Number(raw.HTTP_PORT), problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    natsUrl: String(raw.NATS_URL),
    natsSecurity,
    databaseUrl: String(raw.DATABASE_URL),
    databaseTls,
    serviceUrlAllowlist,
    httpHost: String(raw.HTTP_HOST),
    httpPort: Number(raw.HTTP_PORT),
    httpAcceptCopies: Number(raw.APPHUB_HTTP_ACCEPT_COPIES),
    subjectPrefix: String(raw.APPHUB_SUBJECT_PREFIX),
    roles: new Set(roles.split(',') as Role[]),
    rolesExplicit: Boolean(env.APPHUB_ROLES?.trim()),
    layout: raw.APPHUB_LAYOUT as AppConfig['layout'],
    backHttpPort,
    supervised: raw.APPHUB_SUPERVISED as boolean,
    launchedByNpm: Boolean(env.npm_lifecycle_event?.trim()),
    operatorTokens: Object.freeze(tokens),
    readAuth: raw.APPHUB_READ_AUTH as AppConfig['readAuth'],
    maxBodyBytes: maxBody,
    dependencyWaitMs: Number(raw.APPHUB_DEPENDENCY_WAIT_MS),
    webhooks: Object.freeze({
      retryBaseMs: Number(raw.APPHUB_WEBHOOK_RETRY_BASE_MS),
      retryMaxMs: Math.max(Number(raw.APPHUB_WEBHOOK_RETRY_MAX_MS), Number(raw.APPHUB_WEBHOOK_RETRY_BASE_MS)),
      maxAttempts: Number(raw.APPHUB_WEBHOOK_MAX_ATTEMPTS),
    }),
    leaseTtlMs: Number(raw.APPHUB_LEASE_TTL_MS),
    streamReplicas: Number(raw.APPHUB_STREAM_REPLICAS),
    allowUnsafeNatsVersion: raw.APPHUB_ALLOW_UNSAFE_NATS_VERSION as boolean,
    examplesOutputDir: String(raw.APPHUB_EXAMPLES_OUTPUT_DIR),
    loadExamples: raw.APPHUB_LOAD_EXAMPLES as boolean,
    migrateOnStart: raw.APPHUB_MIGRATE_ON_START as boolean,
    logLevel: raw.LOG_LEVEL as AppConfig['logLevel'],
    lineage,
    materializer: Object.freeze({
      baseBackoffMs: base,
      maxBackoffMs: max,
      refreshIntervalMs: Number(raw.ASSET_MATERIALIZER_REFRESH_INTERVAL_MS),
      maxConcurrentRunsPerWorkflow: Number(raw.ASSET_MATERIALIZER_MAX_CONCURRENT_RUNS_PER_WORKFLOW),
      maxClaimAgeMs: Number(raw.ASSET_MATERIALIZER_MAX_CLAIM_AGE_MS),
    }),
    admission: Object.freeze({
      maxInflightRequests: Number(raw.APPHUB_MAX_INFLIGHT_REQUESTS),
      maxConcurrentRequests: Number(raw.APPHUB_MAX_CONCURRENT_REQUESTS),
      handlingTargetMs: Number(raw.APPHUB_HANDLING_TARGET_MS),
      maxQueueMs: Number(raw.APPHUB_MAX_QUEUE_MS),
      queueTargetMs: Number(raw.APPHUB_QUEUE_TARGET_MS),
      maxEventLoopDelayMs: Number(raw.APPHUB_MAX_EVENT_LOOP_DELAY_MS),
      maxEventLoopUtilization: Number(raw.APPHUB_MAX_EVENT_LOOP_UTILIZATION),
    }),
    responseContractFile: String(raw.APPHUB_TEST_RESPONSE_CONTRACT_FILE) || null,
    testFreezeFile: String(raw.APPHUB_TEST_FREEZE_FILE) || null,
    eventStreams: Object.freeze({
      max: Number(raw.APPHUB_MAX_EVENT_STREAMS),
      maxPerClient: Number(raw.APPHUB_MAX_EVENT_STREAMS_PER_CLIENT),
    }),
    maxConcurrentNatsCompletions: Number(raw.APPHUB_MAX_CONCURRENT_NATS_COMPLETIONS),
    maxConcurrentTimers: Number(raw.APPHUB_MAX_CONCURRENT_TIMERS),
  });
}

/** The process environment, read here and nowhere else (STYLE §9). */
/** This process's environment as it is, for child processes that read their own configuration from it. */
export function inheritedEnvironment(): NodeJS.ProcessEnv {
  return { ...process.env };
}

export function loadConfigFromProcess(
  overrides: Record<string, string> = {},
  defaults: Record<string, string> = {},
): AppConfig {
  return loadConfig({ ...defaults, ...process.env, ...overrides });
}

/** The split layout's second process listens on `APPHUB_BACK_HTTP_PORT`, else next to `HTTP_PORT` (0: any free port). */
function backPort(value: string, httpPort: number, problems: string[]): number {
  if (value === '') return httpPort === 0 || httpPort >= 65535 ? 0 : httpPort + 1;
  const port = Number(value);
  if (!Number.isInteger(port) || port > 65535) problems.push(`APPHUB_BACK_HTTP_PORT=${value} must be a port (0-65535)`);
  return port;
}
