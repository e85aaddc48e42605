import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const TOKEN = 'bench-token-000001';
const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));
/**
 * The bench's connections. Unbounded by default, like Node's global agent: every request that finds no idle socket
 * opens a new connection. `BENCH_MAX_SOCKETS=N` bounds them the way a pooled client does (requests past N wait in
 * the client). Node 20's libuv accepts one connection per event-loop turn, so a burst of new connections to a busy
 * process waits in the kernel's accept queue (README "Read your writes under load").
 */
const KEEP_ALIVE = new http.Agent({
  keepAlive: true,
  ...(process.env.BENCH_MAX_SOCKETS ? { maxSockets: Number(process.env.BENCH_MAX_SOCKETS) } : {}),
});

/** The built service in a child process on its own database and subject prefix, driven over HTTP. */
export class BenchService {
  private constructor(
    readonly child: ChildProcess,
    readonly baseUrl: string,
    readonly databaseUrl: string,
    readonly prefix: string,
    private readonly options: { natsUrl: string; adminUrl: string; database: string },
  ) {}

  get streams() {
    const upper = this.prefix.toUpperCase().replace(/-/g, '_');
    return { events: `${upper}_EVENTS`, timers: `${upper}_TIMERS`, jobs: `${upper}_JOBS` };
  }

  static async start(options: {
    natsUrl: string;
    adminUrl: string;
    name: string;
    env?: Record<string, string>;
    /** Subject prefix of a stream seeded beforehand (default: a fresh one). */
    prefix?: string;
  }): Promise<BenchService> {
    const database = `apphub_bench_${options.name}_${process.pid}`;
    const admin = new pg.Client({ connectionString: options.adminUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.query(`create database ${database}`);
    await admin.end();
    const url = new URL(options.adminUrl);
    url.pathname = `/${database}`;
    const prefix = options.prefix ?? `bench${options.name.replace(/[^a-z0-9]/g, '')}${process.pid}`;
    const port = await freePort();
    const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, MAIN], {
      env: {
        ...process.env,
        NATS_URL: options.natsUrl,
        DATABASE_URL: url.toString(),
        APPHUB_SUBJECT_PREFIX: prefix,
        APPHUB_OPERATOR_TOKENS: JSON.stringify([
          { subject: 'bench', token: TOKEN, scopes: ['workflows:write', 'workflows:run'] },
        ]),
        HTTP_PORT: String(port),
        HTTP_HOST: '127.0.0.1',
        APPHUB_LAYOUT: 'single',
        LOG_LEVEL: 'warn',
        ...(options.env ?? {}),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const service = new BenchService(child, `http://127.0.0.1:${port}`, url.toString(), prefix, {
      ...options,
      database,
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}`);
      const ready = await fetch(`${service.baseUrl}/health/ready`)
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ready) return service;
      if (Date.now() > deadline) throw new Error('service not ready within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /**
   * One request on a keep-alive `node:http` agent. Not `fetch`: at 800 requests/s its per-request cost (undici
   * objects, abort signals, new connections, GC) kept the bench's own event loop 93-99 % busy, and that lag was
   * counted as the service's (issue 15, read path).
   */
  request(
    method: string,
    path: string,
    body?: unknown,
    options: { timeoutMs?: number } = {},
  ): Promise<{ status: number; body: any; reusedSocket?: boolean; headers?: http.IncomingHttpHeaders }> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const request = http.request(
        `${this.baseUrl}${path}`,
        {
          method,
          agent: KEEP_ALIVE,
          headers: {
            authorization: `Bearer ${TOKEN}`,
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            try {
              const text = Buffer.concat(chunks).toString('utf8');
              resolve({
                status: response.statusCode ?? 0,
                body: text ? JSON.parse(text) : null,
                reusedSocket: request.reusedSocket,
                headers: response.headers,
              });
            } catch (error) {
              reject(error instanceof Error ? error : new Error(String(error)));
            }
          });
        },
      );
      request.on('error', reject);
      // No answer within the client's timeout: the request fails with a `TimeoutError`, as `fetch` does.
      if (options.timeoutMs)
        request.setTimeout(options.timeoutMs, () =>
          request.destroy(Object.assign(new Error('no answer in time'), { name: 'TimeoutError' })),
        );
      request.end(payload);
    });
  }

  async registerWorkflow(definition: object): Promise<void> {
    const response = await this.request('POST', '/workflows', definition);
    if (response.status !== 201) throw new Error(`register failed: ${JSON.stringify(response.body)}`);
  }

  /** Requests `count` runs (32 at a time) and waits until every one has its first step dispatched. */
  async prepareRuns(slug: string, count: number, partitionKey?: (i: number) => string): Promise<string[]> {
    const ids: string[] = new Array(count);
    await mapLimit(count, 32, async (i) => {
      const body = partitionKey ? { partitionKey: partitionKey(i) } : {};
      let response = await this.request('POST', `/workflows/${slug}/run`, body);
      // Shed while the machine is saturated (503 overloaded): wait as told and ask again.
      for (let attempt = 0; response.status === 503 && attempt < 20; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, Number(response.body?.retryAfterMs ?? 1000)));
        response = await this.request('POST', `/workflows/${slug}/run`, body);
      }
      if (response.status !== 202) throw new Error(`run failed: ${JSON.stringify(response.body)}`);
      ids[i] = response.body.data.id as string;
    });
    const db = new pg.Client({ connectionString: this.databaseUrl });
    await db.connect();
    try {
      const deadline = Date.now() + Number(process.env.BENCH_PREPARE_TIMEOUT_MS ?? 300_000);
      for (;;) {
        const { rows } = await db.query<{ count: number }>(
          `select count(*)::int as count from workflow_run where id = any($1) and state->'steps'->(state->'request'->'steps'->0->>'id')->>'status' = 'running'`,
          [ids],
        );
        if (rows[0]!.count >= count) break;
        if (Date.now() > deadline) throw new Error(`only ${rows[0]!.count}/${count} runs dispatched`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      await db.end();
    }
    return ids;
  }

  complete(runId: string, body: object): Promise<{ status: number; body: any }> {
    return this.request('POST', `/workflow-runs/${runId}/steps/${'load'}/complete`, body);
  }

  /**
   * Completes every run with `concurrency` clients. A 503 `overloaded` is retried after its `Retry-After`, as a
   * well-behaved client does (the admission bound sheds a closed loop that saturates the service); the count of
   * such retries is returned.
   */
  async completeAll(runIds: string[], concurrency: number, body: (i: number) => object): Promise<{ shed: number }> {
    let shed = 0;
    await mapLimit(runIds.length, concurrency, async (i) => {
      for (;;) {
        const response = await this.complete(runIds[i]!, body(i));
        if (response.status === 200) return;
        const retryAfterMs = (response.body as { retryAfterMs?: number } | undefined)?.retryAfterMs;
        if (response.status !== 503 || retryAfterMs === undefined)
          throw new Error(`completion failed: ${JSON.stringify(response.body)}`);
        shed += 1;
        await new Promise((resolve) => setTimeout(resolve, retryAfterMs));
      }
    });
    return { shed };
  }

  /** One count from the service's database. */
  async countQuery(query: string, parameters: unknown[] = []): Promise<number> {
    const db = new pg.Client({ connectionString: this.databaseUrl });
    await db.connect();
    try {
      return (await db.query<{ count: number }>(query, parameters)).rows[0]!.count;
    } finally {
      await db.end();
    }
  }

  async waitForCount(query: string, count: number, timeoutMs: number): Promise<void> {
    const db = new pg.Client({ connectionString: this.databaseUrl });
    await db.connect();
    try {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { rows } = await db.query<{ count: number }>(query);
        if (rows[0]!.count >= count) return;
        if (Date.now() > deadline) throw new Error(`only ${rows[0]!.count}/${count} after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    } finally {
      await db.end();
    }
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
    const nc = await connect({ servers: this.options.natsUrl });
    const jsm = await jetstreamManager(nc);
    for (const name of [...Object.values(this.streams), `KV_${this.prefix}-leases`, `KV_${this.prefix}-runs`])
      await jsm.streams.delete(name).catch(() => undefined);
    await nc.close();
    const admin = new pg.Client({ connectionString: this.options.adminUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${this.options.database} with (force)`);
    await admin.end();
  }
}

async function mapLimit(count: number, limit: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}
