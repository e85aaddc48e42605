import { ConfigError, loadConfig } from './load-config.js';

describe('loadConfig', () => {
  it('applies the defaults', () => {
    const config = loadConfig({});
    expect(config.httpPort).toBe(4000);
    expect(config.subjectPrefix).toBe('apphub');
    expect([...config.roles]).toEqual(['api', 'projector', 'materializer', 'worker']);
    expect(config.materializer).toEqual({
      baseBackoffMs: 120000,
      maxBackoffMs: 1800000,
      refreshIntervalMs: 600000,
      maxConcurrentRunsPerWorkflow: 4,
    });
    expect(Object.isFrozen(config)).toBe(true);
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

  it('refuses a body limit above what an event can carry', () => {
    expect(() => loadConfig({ APPHUB_MAX_BODY_BYTES: String(2 * 1024 * 1024) })).toThrow(/max_payload/);
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
