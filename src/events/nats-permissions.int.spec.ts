import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { JobQueue } from './job-queue.js';
import { openNatsContext, type NatsContext } from './nats-context.js';
import type { JobSubscription } from './job-queue.js';
import { freePort, killHard, startServiceProcess, type ServiceProcess } from '../../test/support/service-process.js';
import { RUNNER_TOKEN, WRITER_TOKEN } from '../../test/support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { testPrefix } from '../../test/support/test-nats.js';
import { eventually } from '../../test/support/waiting.js';

/** The permissions block of README "NATS permissions", for another prefix. */
function readmePermissions(prefix: string): string {
  const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
  const block = /### NATS permissions[\s\S]*?```conf\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README has no NATS permissions block');
  return block.replaceAll('APPHUB', prefix.toUpperCase()).replaceAll('apphub', prefix);
}

/**
 * Issue 21 item 4: the service under a nats-server account with exactly the README's permissions: timers (naks
 * until due), the built-in worker's job acks, a job completed over NATS, the KV buckets. Any violation in the
 * server's log fails the test.
 */
describe('NATS permissions as documented', () => {
  const dir = mkdtempSync(join(tmpdir(), 'apphub-nats-perms-'));
  const prefix = testPrefix();
  const password = 'perm-pass-123';
  let natsServer: ChildProcess;
  let natsLog = '';
  let natsUrl: string;
  let database: TestDatabase;
  let service: ServiceProcess;
  let http: Server;
  let worker: NatsContext;
  let jobs: JobSubscription;
  let serviceCalls = 0;

  const api = async (method: string, path: string, body?: unknown, token = WRITER_TOKEN) => {
    const response = await fetch(`${service.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as { data: Record<string, unknown> } };
  };

  beforeAll(async () => {
    const port = await freePort();
    natsUrl = `nats://127.0.0.1:${port}`;
    const config = join(dir, 'nats.conf');
    writeFileSync(
      config,
      `listen: 127.0.0.1:${port}
jetstream { store_dir: "${join(dir, 'js')}" }
accounts {
  APP {
    jetstream: enabled
    users: [ { user: svc, password: "${password}", ${readmePermissions(prefix)} } ]
  }
}
`,
    );
    natsServer = spawn('nats-server', ['-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    natsServer.stdout!.on('data', (chunk: Buffer) => (natsLog += chunk.toString()));
    natsServer.stderr!.on('data', (chunk: Buffer) => (natsLog += chunk.toString()));
    await eventually(
      async () => natsLog,
      (log) => log.includes('Server is ready') || natsServer.exitCode !== null,
      10_000,
    );
    expect(natsServer.exitCode).toBeNull();
    // A service a `service` step calls: fails the first attempt (a step-retry timer), then answers.
    http = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        serviceCalls++;
        if (serviceCalls === 1) return void response.writeHead(503).end('not yet');
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ assets: [{ assetId: 'perm.svc', payload: { ok: true } }] }));
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    database = await createTestDatabase();
    service = await startServiceProcess({
      DATABASE_URL: database.url,
      NATS_URL: natsUrl,
      NATS_USER: 'svc',
      NATS_PASSWORD: password,
      APPHUB_SUBJECT_PREFIX: prefix,
      APPHUB_SERVICE_URL_ALLOWLIST: '127.0.0.1',
    });
    // An external worker that speaks NATS, with the same user.
    worker = await openNatsContext({
      natsUrl,
      subjectPrefix: prefix,
      streamReplicas: 1,
      leaseTtlMs: 3000,
      security: { user: 'svc', password },
    });
    jobs = await new JobQueue(worker, pino({ level: 'silent' })).consume<{ runId: string; stepId: string }>(
      'perm-job',
      1,
      async (delivery) => {
        const reply = await worker.nc.request(
          worker.subjects.jobComplete,
          JSON.stringify({
            runId: delivery.job.runId,
            stepId: delivery.job.stepId,
            status: 'succeeded',
            result: { assets: [{ assetId: 'perm.ext', payload: { via: 'nats' } }] },
          }),
          { timeout: 5000 },
        );
        expect(reply.json<{ status: number }>().status).toBeLessThan(300);
        delivery.ack();
      },
    );
  }, 120_000);

  afterAll(async () => {
    await jobs?.stop();
    await worker?.close();
    if (service) await killHard(service);
    http?.close();
    await database?.drop();
    natsServer?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs timers, jobs, KV and NATS completions without a single permission violation', async () => {
    const serviceUrl = `http://127.0.0.1:${(http.address() as { port: number }).port}/work`;
    for (const workflow of [
      {
        slug: 'perm-svc',
        name: 'Service step with a retry',
        steps: [{ id: 'call', serviceUrl, retries: 1, retryBackoffMs: 1000, produces: [{ assetId: 'perm.svc' }] }],
      },
      {
        slug: 'perm-ext',
        name: 'External worker over NATS',
        steps: [{ id: 'remote', jobSlug: 'perm-job', timeoutMs: 60_000, produces: [{ assetId: 'perm.ext' }] }],
      },
    ])
      expect((await api('POST', '/workflows', workflow)).status).toBe(201);
    const runs: string[] = [];
    for (const slug of ['perm-svc', 'perm-ext']) {
      const started = await api('POST', `/workflows/${slug}/run`, {}, RUNNER_TOKEN);
      expect(started.status).toBe(202);
      runs.push(started.body.data.id as string);
    }
    for (const runId of runs)
      await eventually(
        async () => (await api('GET', `/workflow-runs/${runId}`)).body.data.status,
        (status) => status === 'succeeded' || status === 'failed',
        30_000,
        200,
      ).then((status) => expect({ runId, status }).toEqual({ runId, status: 'succeeded' }));
    expect(serviceCalls).toBe(2);
    expect(natsLog).not.toMatch(/Violation/);
  });
});
