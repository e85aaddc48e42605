import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '../../src/config/load-config.js';
import { createApp } from '../../src/runtime/create-app.js';
import { natsContextOf, type NatsContext } from '../../src/events/nats-context.js';
import { openPlatform, type Platform } from '../../src/runtime/platform.js';
import { assertResponsesMatchContract, watchResponses } from './response-contract-hook.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';
import { TEST_NATS_URL } from './test-env.js';
import { testPrefix } from './test-nats.js';

export const WRITER_TOKEN = 'writer-token-0001';
export const RUNNER_TOKEN = 'runner-token-0001';
export const READER_TOKEN = 'reader-token-0001';
export const ADMIN_TOKEN = 'admin-token-00001';

export const TEST_TOKENS = [
  { subject: 'writer', token: WRITER_TOKEN, scopes: ['workflows:write'] },
  { subject: 'runner', token: RUNNER_TOKEN, scopes: ['workflows:run'] },
  { subject: 'reader', token: READER_TOKEN, scopes: [] },
  { subject: 'admin', token: ADMIN_TOKEN, scopes: ['workflows:write', 'workflows:run'] },
];

export interface HttpResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface TestApp {
  app: NestFastifyApplication;
  /** The app's platform, and for inspection in tests the NATS connection behind its event ports. */
  platform: Platform & { nats: NatsContext };
  database: TestDatabase;
  prefix: string;
  baseUrl: string;
  request<T = any>(
    method: string,
    path: string,
    options?: { body?: unknown; rawBody?: string; token?: string | null; headers?: Record<string, string> },
  ): Promise<HttpResponse<T>>;
  close(): Promise<void>;
}

/**
 * The whole service on a port of its own, with its own database and subject prefix. Every JSON response it sends is
 * checked against its OpenAPI document (response-contract-hook.ts): a mismatch fails the test that provoked it.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  shared?: { database?: TestDatabase; prefix?: string },
): Promise<TestApp> {
  const database = shared?.database ?? (await createTestDatabase());
  const prefix = shared?.prefix ?? testPrefix();
  const config = loadConfig({
    DATABASE_URL: database.url,
    NATS_URL: TEST_NATS_URL,
    APPHUB_SUBJECT_PREFIX: prefix,
    APPHUB_OPERATOR_TOKENS: JSON.stringify(TEST_TOKENS),
    APPHUB_MIGRATE_ON_START: 'false',
    APPHUB_LEASE_TTL_MS: '3000',
    // Tests share their event loop with Jest's compiler and fire bursts; the overload tests set their own bounds.
    APPHUB_MAX_EVENT_LOOP_DELAY_MS: '0',
    APPHUB_MAX_EVENT_LOOP_UTILIZATION: '1',
    APPHUB_MAX_CONCURRENT_REQUESTS: '512',
    APPHUB_HANDLING_TARGET_MS: '600000',
    APPHUB_MAX_QUEUE_MS: '10000',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    HTTP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    ...env,
  });
  const platform = await openPlatform(config, { collectDefaultMetrics: false });
  const app = await createApp(platform);
  const responses = watchResponses(app);
  await app.listen(0, '127.0.0.1');
  await responses.load();
  const address = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${address.port}`;
  return {
    app,
    platform: { ...platform, nats: natsContextOf(platform.events) },
    database,
    prefix,
    baseUrl,
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (options.token !== null) headers.authorization = `Bearer ${options.token ?? ADMIN_TOKEN}`;
      let body: string | undefined;
      if (options.rawBody !== undefined) body = options.rawBody;
      else if (options.body !== undefined) body = JSON.stringify(options.body);
      if (body !== undefined) headers['content-type'] ??= 'application/json';
      const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text.length > 0 ? JSON.parse(text) : null;
      } catch {
        /* not JSON (metrics) */
      }
      return { status: response.status, headers: response.headers, body: parsed as never };
    },
    async close() {
      await app.close();
      const nats = natsContextOf(platform.events);
      const s = nats.subjects;
      if (!shared?.prefix) {
        for (const name of [
          s.streams.events,
          s.streams.timers,
          s.streams.jobs,
          `KV_${s.buckets.leases}`,
          `KV_${s.buckets.runs}`,
        ]) {
          await nats.jsm.streams.delete(name).catch(() => undefined);
        }
      }
      await platform.close();
      if (!shared?.database) await database.drop();
      // Responses to requests made after the last test (afterAll) are checked here.
      assertResponsesMatchContract();
    },
  };
}
