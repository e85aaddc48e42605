import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { ADMIN_TOKEN } from '../support/test-app.js';
import { openTestNats, testPrefix } from '../support/test-nats.js';
import { freePort, killHard, startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { eventually } from '../support/waiting.js';

async function call(url: string, method = 'GET', body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

const answers = (url: string) =>
  call(url).then(
    (response) => response.status,
    () => 0,
  );

describe('npm start without APPHUB_ROLES: the split layout', () => {
  let database: TestDatabase;
  const prefix = testPrefix();
  let service: ServiceProcess | undefined;
  let backUrl = '';

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    if (service) await killHard(service);
    service = undefined;
    if (backUrl)
      await eventually(
        () => answers(`${backUrl}/health/live`),
        (status) => status === 0,
        10_000,
      );
  });
  afterAll(async () => {
    const nats = await openTestNats(prefix);
    await nats.dispose();
    await database.drop();
  });

  async function start(): Promise<ServiceProcess> {
    const backPort = await freePort();
    backUrl = `http://127.0.0.1:${backPort}`;
    service = await startServiceProcess({
      DATABASE_URL: database.url,
      APPHUB_SUBJECT_PREFIX: prefix,
      APPHUB_MIGRATE_ON_START: 'false',
      APPHUB_LAYOUT: 'split',
      APPHUB_BACK_HTTP_PORT: String(backPort),
    });
    return service;
  }

  it('serves the API from one process and projects and materializes in the other, together', async () => {
    const { baseUrl } = await start();
    // The second process answers health on its own port and says the API lives elsewhere.
    await eventually(
      () => answers(`${backUrl}/health/ready`),
      (status) => status === 200,
      20_000,
    );
    expect((await call(`${backUrl}/workflows`)).status).toBe(404);

    const definition = {
      slug: 'split',
      name: 'Split',
      steps: [{ id: 'make', jobSlug: 'split-job', produces: [{ assetId: 'split.out' }] }],
    };
    expect((await call(`${baseUrl}/workflows`, 'POST', definition)).status).toBe(201);
    const run = await call(`${baseUrl}/workflows/split/run`, 'POST', {});
    expect(run.status).toBe(202);
    const runId = run.body.data.id as string;
    // Dispatch is decided by the executor in the other process; the projection of the run comes from there too.
    await eventually(
      () => call(`${baseUrl}/workflow-runs/${runId}`),
      (response) => response.body?.data?.steps?.[0]?.status === 'running',
      20_000,
    );
    const completed = await call(`${baseUrl}/workflow-runs/${runId}/steps/make/complete`, 'POST', {
      status: 'succeeded',
      result: { assets: [{ assetId: 'split.out', payload: { ok: true } }] },
    });
    expect(completed.status).toBe(200);
    const history = await eventually(
      () => call(`${baseUrl}/workflows/split/assets/split.out/history`),
      (response) => response.body?.data?.history?.length === 1,
      20_000,
    );
    expect(history.body.data.history[0].payload).toEqual({ ok: true });
  });

  it('takes both processes down when the supervisor is killed, so nothing runs on orphaned', async () => {
    const { baseUrl } = await start();
    await eventually(
      () => answers(`${backUrl}/health/live`),
      (status) => status === 200,
      20_000,
    );
    await killHard(service!);
    service = undefined;
    await eventually(
      () => answers(`${baseUrl}/health/live`),
      (status) => status === 0,
      20_000,
    );
    await eventually(
      () => answers(`${backUrl}/health/live`),
      (status) => status === 0,
      20_000,
    );
  });

  it('stops both processes cleanly on SIGTERM and exits 0', async () => {
    const { child, baseUrl } = await start();
    await eventually(
      () => answers(`${backUrl}/health/live`),
      (status) => status === 200,
      20_000,
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    service = undefined;
    expect(await answers(`${baseUrl}/health/live`)).toBe(0);
    expect(await answers(`${backUrl}/health/live`)).toBe(0);
  });
});
