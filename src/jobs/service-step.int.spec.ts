import { createServer, type Server } from 'node:http';
import type { JobDispatch } from '../runs/job-dispatch.js';
import { callService, guardedLookup } from './service-step.js';
import { ServiceUrlDeniedError, ServiceUrlPolicy } from './service-url-policy.js';

const job = (serviceUrl: string): JobDispatch => ({
  runId: 'r1',
  workflowSlug: 'w',
  stepId: 's',
  attempt: 1,
  jobSlug: null,
  serviceUrl,
  parameters: { n: 1 },
  partitionKey: null,
  timeoutMs: 5000,
});

describe('service steps (a real HTTP server on loopback)', () => {
  let server: Server;
  let base = '';
  const allowLoopback = { policy: new ServiceUrlPolicy(['127.0.0.1']), maxResponseBytes: 1024 };
  const signal = new AbortController().signal;

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/redirect')
        return void response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      if (request.url === '/huge') return void response.writeHead(200).end(JSON.stringify({ blob: 'x'.repeat(5000) }));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"assets":[]}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('calls an allowed address and takes its JSON as the result', async () => {
    expect(await callService(job(`${base}/ok`), signal, allowLoopback)).toEqual({
      status: 'succeeded',
      result: { assets: [] },
    });
  });

  it('fails the step for a loopback address that is not allowed', async () => {
    const outcome = await callService(job(`${base}/ok`), signal, { policy: new ServiceUrlPolicy() });
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'service_url_denied' } });
  });

  it('never follows a redirect', async () => {
    const outcome = await callService(job(`${base}/redirect`), signal, allowLoopback);
    expect(outcome).toMatchObject({
      status: 'failed',
      error: { code: 'service_redirect', message: expect.stringContaining('redirects are not followed') },
    });
  });

  it('fails the step when the response is larger than a step result may be', async () => {
    const outcome = await callService(job(`${base}/huge`), signal, allowLoopback);
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'service_response_too_large' } });
  });

  it('checks the addresses the connection resolves (a host name that resolves to loopback)', async () => {
    const resolve = (policy: ServiceUrlPolicy) =>
      new Promise<{ error: unknown; addresses: unknown }>((done) =>
        guardedLookup(policy)('localhost', { all: true }, (error, addresses) => done({ error, addresses })),
      );
    expect((await resolve(new ServiceUrlPolicy())).error).toBeInstanceOf(ServiceUrlDeniedError);
    const allowed = await resolve(new ServiceUrlPolicy(['127.0.0.0/8', '::1']));
    expect(allowed.error).toBeNull();
    expect(allowed.addresses).toEqual(expect.arrayContaining([expect.objectContaining({ address: '127.0.0.1' })]));
  });
});
