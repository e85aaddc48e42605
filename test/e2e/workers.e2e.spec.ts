import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { JOB_HANDLERS, type JobHandlerRegistry } from '../../src/jobs/job-handler.js';
import { TEST_NATS_URL } from '../support/test-env.js';
import { RUNNER_TOKEN, startTestApp, WRITER_TOKEN, type TestApp } from '../support/test-app.js';
import { eventually } from '../support/waiting.js';

describe('workers', () => {
  let t: TestApp;
  let service: Server;
  let serviceUrl = '';
  const getRun = (runId: string) =>
    t.request('GET', `/workflow-runs/${runId}`, { token: null }).then((r) => r.body.data);
  const run = async (slug: string, body: object = {}) =>
    (await t.request('POST', `/workflows/${slug}/run`, { body, token: RUNNER_TOKEN })).body.data.id as string;

  beforeAll(async () => {
    // The test's service listens on loopback, which service steps may reach only when allowed.
    t = await startTestApp({ APPHUB_SERVICE_URL_ALLOWLIST: '127.0.0.1' });
    service = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        const parameters = JSON.parse(body) as { fail?: boolean; n?: number };
        if (parameters.fail) {
          response.writeHead(503).end('down for maintenance');
          return;
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            assets: [{ assetId: 'svc.out', payload: { n: parameters.n, runId: request.headers['apphub-run-id'] } }],
          }),
        );
      });
    });
    await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
    serviceUrl = `http://127.0.0.1:${(service.address() as { port: number }).port}/work`;
    await t.request('POST', '/workflows', {
      body: { slug: 'svc', name: 'Service', steps: [{ id: 'call', serviceUrl, produces: [{ assetId: 'svc.out' }] }] },
      token: WRITER_TOKEN,
    });
    await t.request('POST', '/workflows', {
      body: {
        slug: 'via-nats',
        name: 'NATS worker',
        steps: [{ id: 'remote', jobSlug: 'remote-job', produces: [{ assetId: 'remote.out' }] }],
      },
      token: WRITER_TOKEN,
    });
  });
  afterAll(async () => {
    await new Promise((resolve) => service.close(resolve));
    await t.close();
  });

  it('runs a service step: POSTs the parameters and records the JSON answer', async () => {
    const runId = await run('svc', { parameters: { n: 5 } });
    const done = await eventually(
      () => getRun(runId),
      (r) => r.status !== 'pending' && r.status !== 'running',
    );
    expect(done.status).toBe('succeeded');
    expect(done.steps[0].producedAssets).toEqual([expect.objectContaining({ assetId: 'svc.out' })]);
  });

  it('fails a service step with the reason on a non-2xx answer', async () => {
    const runId = await run('svc', { parameters: { fail: true } });
    const failed = await eventually(
      () => getRun(runId),
      (r) => r.status === 'failed',
    );
    expect(failed.steps[0].error).toEqual({
      code: 'service_error',
      message: expect.stringMatching(/answered 503: down for maintenance/),
    });
  });

  it('lets a worker in another process take the job over NATS and complete it with a request', async () => {
    const worker: ChildProcess = spawn(process.execPath, ['examples/workers/nats-worker.mjs'], {
      env: {
        ...process.env,
        NATS_URL: TEST_NATS_URL,
        APPHUB_SUBJECT_PREFIX: t.prefix,
        JOB_SLUG: 'remote-job',
        ASSET_ID: 'remote.out',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const runId = await run('via-nats', { parameters: { region: 'eu' } });
      const done = await eventually(
        () => getRun(runId),
        (r) => r.status === 'succeeded',
        20_000,
      );
      expect(done.steps[0].producedAssets).toEqual([expect.objectContaining({ assetId: 'remote.out' })]);
    } finally {
      worker.kill('SIGTERM');
    }
  });

  it('answers a NATS completion like the HTTP endpoint, including problems', async () => {
    const runId = await run('via-nats');
    const reply = await t.platform.nats.nc.request(
      t.platform.nats.subjects.jobComplete,
      JSON.stringify({ runId, stepId: 'nope', status: 'succeeded' }),
    );
    expect(reply.json()).toMatchObject({ status: 404, body: { code: 'step_not_found' } });
    const bad = await t.platform.nats.nc.request(
      t.platform.nats.subjects.jobComplete,
      JSON.stringify({ runId, status: 'maybe' }),
    );
    expect(bad.json()).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
    await t.request('POST', `/workflow-runs/${runId}/cancel`, { body: {}, token: RUNNER_TOKEN });
  });

  it('does not take dispatches of job slugs it has no handler for', async () => {
    const registry = t.app.get<JobHandlerRegistry>(JOB_HANDLERS);
    expect(registry.get('remote-job')).toBeUndefined();
  });
});
