import { startTestApp, type TestApp } from '../support/test-app.js';
import { eventually } from '../support/waiting.js';

describe('bounded admission', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ APPHUB_MAX_INFLIGHT_REQUESTS: '4' });
    const created = await t.request('POST', '/workflows', {
      body: { slug: 'busy', name: 'Busy', steps: [{ id: 's', jobSlug: 'external-job' }] },
    });
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await t.close();
  });

  it('sheds a burst past the bound with 503 overloaded and Retry-After, records every 2xx once, keeps probes up', async () => {
    const burst = Array.from({ length: 150 }, (_, i) =>
      t.request('POST', '/workflows/busy/run', { body: { runKey: `k-${i}` } }),
    );
    const probe = t.request('GET', '/health/live', { token: null });
    const metrics = t.request('GET', '/metrics', { token: null });
    const answers = await Promise.all(burst);
    expect((await probe).status).toBe(200);
    expect((await metrics).status).toBe(200);
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.every((status) => status === 202 || status === 503)).toBe(true);
    const shed = answers.filter((answer) => answer.status === 503);
    expect(shed.length).toBeGreaterThan(0);
    for (const answer of shed) {
      expect(answer.body.code).toBe('overloaded');
      expect(answer.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(answer.body.retryAfterMs).toBeGreaterThan(0);
    }
    // Every accepted request is a run in the stream, exactly once; no shed request left anything behind.
    const accepted = answers.filter((answer) => answer.status === 202).map((answer) => answer.body.data.id as string);
    expect(accepted.length).toBeGreaterThan(0);
    const listed = await eventually(
      async () =>
        (await t.request('GET', `/workflows/busy/runs?limit=50`, { token: null })).body.data as Array<{ id: string }>,
      (runs) => runs.length >= Math.min(50, accepted.length),
    );
    expect(new Set(listed.map((run) => run.id)).size).toBe(listed.length);
    const runEvents = await t.platform.store.readSubject(`${t.prefix}.run.busy.>`).catch(() => null);
    if (runEvents) {
      const requested = runEvents.filter((event) => event.type === 'workflow.run.requested');
      expect(new Set(requested.map((event) => event.id)).size).toBe(accepted.length);
    }
    // After the burst the service answers normally again.
    expect((await t.request('POST', '/workflows/busy/run', { body: {} })).status).toBe(202);
  });
});
