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
      maxClaimAgeMs: 21_600_000,
    });
    expect(config.admission).toEqual({ maxInflightRequests: 512, maxEventLoopDelayMs: 1000 });
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
});
