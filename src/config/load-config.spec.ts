import { assertBodyLimitFits, ConfigError, loadConfig } from './load-config.js';

const problemsOf = (env: Record<string, string>): string => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return '';
};

describe('loadConfig', () => {
  it('applies the defaults', () => {
    const config = loadConfig({});
    expect(config.httpPort).toBe(4000);
    expect(config.httpAcceptCopies).toBe(32);
    expect(config.subjectPrefix).toBe('apphub');
    expect([...config.roles]).toEqual(['api', 'projector', 'materializer', 'worker']);
    expect(config.materializer).toEqual({
      baseBackoffMs: 120000,
      maxBackoffMs: 1800000,
      refreshIntervalMs: 600000,
      maxConcurrentRunsPerWorkflow: 4,
      maxClaimAgeMs: 21_600_000,
    });
    expect(config.admission).toEqual({
      maxInflightRequests: 512,
      maxConcurrentRequests: 64,
      handlingTargetMs: 250,
      maxQueueMs: 100,
      queueTargetMs: 20,
      maxEventLoopDelayMs: 500,
      maxEventLoopUtilization: 0.98,
    });
    expect(config.eventStreams).toEqual({ max: 2000, maxPerClient: 100 });
    expect(config.maxConcurrentNatsCompletions).toBe(64);
    expect(config.maxConcurrentTimers).toBe(64);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads the admission and event-stream bounds', () => {
    const config = loadConfig({
      APPHUB_MAX_CONCURRENT_REQUESTS: '8',
      APPHUB_QUEUE_TARGET_MS: '20',
      APPHUB_MAX_EVENT_LOOP_UTILIZATION: '0.9',
      APPHUB_MAX_EVENT_STREAMS_PER_CLIENT: '3',
    });
    expect(config.admission).toMatchObject({
      maxConcurrentRequests: 8,
      queueTargetMs: 20,
      maxEventLoopUtilization: 0.9,
    });
    expect(config.eventStreams.maxPerClient).toBe(3);
    expect(problemsOf({ APPHUB_MAX_EVENT_LOOP_UTILIZATION: '1.5' })).toContain('APPHUB_MAX_EVENT_LOOP_UTILIZATION');
    expect(problemsOf({ APPHUB_MAX_CONCURRENT_REQUESTS: '0' })).toContain('APPHUB_MAX_CONCURRENT_REQUESTS');
    expect(problemsOf({ APPHUB_MAX_CONCURRENT_TIMERS: 'x' })).toContain('APPHUB_MAX_CONCURRENT_TIMERS');
  });

  it('runs the split layout by default unless APPHUB_ROLES names the roles', () => {
    expect(loadConfig({})).toMatchObject({ layout: 'split', rolesExplicit: false, backHttpPort: 4001 });
    expect(loadConfig({ APPHUB_ROLES: 'api' })).toMatchObject({ rolesExplicit: true });
    expect(loadConfig({ APPHUB_LAYOUT: 'single', HTTP_PORT: '0' })).toMatchObject({
      layout: 'single',
      backHttpPort: 0,
    });
    expect(loadConfig({ APPHUB_BACK_HTTP_PORT: '9100' }).backHttpPort).toBe(9100);
    expect(problemsOf({ APPHUB_LAYOUT: 'triple' })).toContain('APPHUB_LAYOUT');
    expect(problemsOf({ APPHUB_BACK_HTTP_PORT: '70000' })).toContain('APPHUB_BACK_HTTP_PORT=70000');
  });

  it('lists every problem at once', () => {
    let error: unknown;
    try {
      loadConfig({
        HTTP_PORT: 'abc',
        APPHUB_OPERATOR_TOKENS: '[{"subject":"x"}',
        ASSET_MATERIALIZER_BASE_BACKOFF_MS: 'NaN',
        APPHUB_SUBJECT_PREFIX: 'Bad Prefix',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/HTTP_PORT/);
    expect(problems).toMatch(/APPHUB_OPERATOR_TOKENS: not valid JSON/);
    expect(problems).toMatch(/ASSET_MATERIALIZER_BASE_BACKOFF_MS/);
    expect(problems).toMatch(/APPHUB_SUBJECT_PREFIX/);
  });

  it('rejects tokens without scopes and a max backoff below the base', () => {
    expect(() =>
      loadConfig({
        APPHUB_OPERATOR_TOKENS: '[{"subject":"ci","token":"secret-token"}]',
        ASSET_MATERIALIZER_BASE_BACKOFF_MS: '5000',
        ASSET_MATERIALIZER_MAX_BACKOFF_MS: '2000',
      }),
    ).toThrow(/scopes[\s\S]*MAX_BACKOFF/);
  });

  it('parses tokens, roles and booleans', () => {
    const config = loadConfig({
      APPHUB_OPERATOR_TOKENS: '[{"subject":"ci","token":"secret-token","scopes":["workflows:run"]}]',
      APPHUB_ROLES: 'materializer',
      APPHUB_MIGRATE_ON_START: 'false',
    });
    expect(config.operatorTokens[0]).toEqual({ subject: 'ci', token: 'secret-token', scopes: ['workflows:run'] });
    expect([...config.roles]).toEqual(['materializer']);
    expect(config.migrateOnStart).toBe(false);
  });

  it("refuses, at start, a body limit above the server's max_payload minus 64 KiB", () => {
    expect(() => assertBodyLimitFits(2 * 1024 * 1024, 1024 * 1024)).toThrow(ConfigError);
    expect(() => assertBodyLimitFits(2 * 1024 * 1024, 1024 * 1024)).toThrow(/max_payload \(1048576\)/);
    expect(() => assertBodyLimitFits(960 * 1024, 1024 * 1024)).not.toThrow();
    expect(() => assertBodyLimitFits(4 * 1024 * 1024, 8 * 1024 * 1024)).not.toThrow();
  });

  it('never prints a password of DATABASE_URL or NATS_URL in a config error', () => {
    const message = problemsOf({
      DATABASE_URL: 'mysql://app:hunter2-db@db:5432/x',
      NATS_URL: 'bogus://u:hunter2-nats@n1:4222 ,x',
      NATS_PASSWORD: 'hunter2-pass',
      NATS_TOKEN: 'hunter2-token',
    });
    expect(message).toMatch(/DATABASE_URL="mysql:\/\/app:\*\*\*@db:5432\/x"/);
    expect(message).toMatch(/NATS_URL=/);
    expect(message).not.toMatch(/hunter2/);
  });

  it('takes one NATS credential method, TLS files in pairs', () => {
    expect(problemsOf({ NATS_USER: 'app' })).toMatch(/NATS_USER and NATS_PASSWORD must be set together/);
    expect(problemsOf({ NATS_TOKEN: 't0ken-value', NATS_CREDS_FILE: '/etc/nats/app.creds' })).toMatch(
      /alternatives: set only one/,
    );
    expect(problemsOf({ NATS_NKEY_SEED: 'not-a-seed' })).toMatch(/NATS_NKEY_SEED/);
    expect(problemsOf({ NATS_TLS_CERT_FILE: '/c.pem' })).toMatch(/NATS_TLS_CERT_FILE and NATS_TLS_KEY_FILE/);
    const config = loadConfig({
      NATS_USER: 'app',
      NATS_PASSWORD: 'secret',
      NATS_TLS_CA_FILE: '/etc/nats/ca.pem',
      DATABASE_SSL_MODE: 'verify-full',
      DATABASE_SSL_CA_FILE: '/etc/pg/ca.pem',
    });
    expect(config.natsSecurity).toEqual({ user: 'app', password: 'secret', tls: { caFile: '/etc/nats/ca.pem' } });
    expect(config.databaseTls).toEqual({ mode: 'verify-full', caFile: '/etc/pg/ca.pem' });
  });

  it('checks the Postgres TLS settings', () => {
    expect(problemsOf({ DATABASE_SSL_MODE: 'prefer' })).toMatch(/DATABASE_SSL_MODE: must be one of/);
    expect(problemsOf({ DATABASE_SSL_CA_FILE: '/ca.pem' })).toMatch(/need DATABASE_SSL_MODE/);
    expect(problemsOf({ DATABASE_URL: 'postgres://db/app?sslmode=require', DATABASE_SSL_MODE: 'verify-full' })).toMatch(
      /remove its ssl\* parameters/,
    );
  });

  it('parses the serviceUrl allow-list', () => {
    expect(
      loadConfig({ APPHUB_SERVICE_URL_ALLOWLIST: '10.0.0.0/8, Api.Internal,*.svc.local,::1' }).serviceUrlAllowlist,
    ).toEqual(['10.0.0.0/8', 'api.internal', '*.svc.local', '::1']);
    expect(problemsOf({ APPHUB_SERVICE_URL_ALLOWLIST: '10.0.0.0/33,http://x' })).toMatch(
      /"10.0.0.0\/33" is not[\s\S]*"http:\/\/x" is not/,
    );
  });

  describe('OpenLineage', () => {
    const problemsOf = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return '';
      } catch (error) {
        return (error as ConfigError).problems.join('\n');
      }
    };

    it('is off by default and publishes on NATS when only the role is given', () => {
      expect(loadConfig({}).roles.has('lineage')).toBe(false);
      const config = loadConfig({ APPHUB_ROLES: 'lineage' });
      expect([...config.roles]).toEqual(['lineage']);
      expect([...config.lineage.transports]).toEqual(['nats']);
      expect(config.lineage).toMatchObject({
        url: null,
        jobNamespace: 'apphub',
        datasetNamespace: 'apphub',
        natsSubject: null,
      });
    });

    it('turns the lineage role on with OPENLINEAGE_URL unless APPHUB_ROLES says otherwise', () => {
      const config = loadConfig({ OPENLINEAGE_URL: 'http://localhost:5000', OPENLINEAGE_API_KEY: 'secret-key' });
      expect([...config.roles]).toEqual(['api', 'projector', 'materializer', 'worker', 'lineage']);
      expect(config.lineage).toMatchObject({
        url: 'http://localhost:5000',
        endpoint: 'api/v1/lineage',
        apiKey: 'secret-key',
        timeoutMs: 10000,
      });
      expect([...config.lineage.transports]).toEqual(['http']);
      expect([...loadConfig({ OPENLINEAGE_URL: 'http://m:5000', APPHUB_ROLES: 'api' }).roles]).toEqual(['api']);
      expect([
        ...loadConfig({ OPENLINEAGE_URL: 'http://m:5000', OPENLINEAGE_TRANSPORT: 'http,nats' }).lineage.transports,
      ]).toEqual(['http', 'nats']);
    });

    it('refuses a bad URL, an http transport without URL, an unknown transport and a reserved subject', () => {
      const problems = problemsOf({
        OPENLINEAGE_URL: 'localhost:5000',
        OPENLINEAGE_TRANSPORT: 'kafka',
        OPENLINEAGE_NAMESPACE: 'has space',
        OPENLINEAGE_NATS_SUBJECT: 'apphub.run.{slug}',
        OPENLINEAGE_TIMEOUT_MS: '0',
      });
      expect(problems).toMatch(/OPENLINEAGE_URL/);
      expect(problems).toMatch(/OPENLINEAGE_TRANSPORT/);
      expect(problems).toMatch(/OPENLINEAGE_NAMESPACE/);
      expect(problems).toMatch(/OPENLINEAGE_NATS_SUBJECT="apphub.run.\{slug\}": subjects under apphub\. are reserved/);
      expect(problems).toMatch(/OPENLINEAGE_TIMEOUT_MS/);
      expect(problemsOf({ OPENLINEAGE_TRANSPORT: 'http' })).toMatch(/needs OPENLINEAGE_URL/);
      expect(problemsOf({ OPENLINEAGE_NATS_SUBJECT: 'apphub.*' })).toMatch(/OPENLINEAGE_NATS_SUBJECT/);
    });

    it('accepts a subject under <prefix>.lineage. or outside the prefix, and never prints the API key', () => {
      expect(loadConfig({ OPENLINEAGE_NATS_SUBJECT: 'apphub.lineage.all' }).lineage.natsSubject).toBe(
        'apphub.lineage.all',
      );
      expect(loadConfig({ OPENLINEAGE_NATS_SUBJECT: 'openlineage.{slug}' }).lineage.natsSubject).toBe(
        'openlineage.{slug}',
      );
      const problems = problemsOf({ OPENLINEAGE_API_KEY: 'top secret' });
      expect(problems).toMatch(/OPENLINEAGE_API_KEY="<redacted>"/);
      expect(problems).not.toMatch(/top secret/);
    });
  });
});
