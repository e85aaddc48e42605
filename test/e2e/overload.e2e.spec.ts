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

describe('admission by queue time', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Two handling slots and a high count bound: only the time a request waits for a slot can shed it.
    t = await startTestApp({
      APPHUB_MAX_INFLIGHT_REQUESTS: '10000',
      APPHUB_MAX_CONCURRENT_REQUESTS: '2',
      APPHUB_MAX_QUEUE_MS: '100',
      APPHUB_QUEUE_TARGET_MS: '10',
    });
    const created = await t.request('POST', '/workflows', {
      body: { slug: 'queued', name: 'Queued', steps: [{ id: 's', jobSlug: 'external-job' }] },
    });
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await t.close();
  });

  const shedBy = async (reason: string) => {
    const metrics = (await t.request('GET', '/metrics', { token: null })).body as string;
    const line = metrics.split('\n').find((l) => l.startsWith(`apphub_http_requests_shed_total{reason="${reason}"}`));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  it('sheds what waited too long for a slot with 503 overloaded, Retry-After and retry-after-ms, probes answered', async () => {
    const burst = Array.from({ length: 200 }, (_, i) =>
      t.request('POST', '/workflows/queued/run', { body: { runKey: `q-${i}` } }),
    );
    const probe = t.request('GET', '/health/live', { token: null });
    const answers = await Promise.all(burst);
    expect((await probe).status).toBe(200);
    expect(answers.every((answer) => answer.status === 202 || answer.status === 503)).toBe(true);
    const shed = answers.filter((answer) => answer.status === 503);
    expect(shed.length).toBeGreaterThan(0);
    for (const answer of shed) {
      expect(answer.body).toMatchObject({ code: 'overloaded', retryAfterMs: 1000 });
      expect(answer.headers.get('retry-after')).toBe('1');
      expect(answer.headers.get('retry-after-ms')).toBe('1000');
    }
    expect(await shedBy('queue_time')).toBe(shed.length);
    expect(await shedBy('inflight')).toBe(0);
    // Every 2xx is a run, exactly once.
    const accepted = answers.filter((answer) => answer.status === 202).map((answer) => answer.body.data.id as string);
    expect(accepted.length).toBeGreaterThan(0);
    const requested = await eventually(
      async () =>
        (await t.platform.store.readSubject(`${t.prefix}.run.queued.>`)).filter(
          (event) => event.type === 'workflow.run.requested',
        ),
      (events) => events.length >= accepted.length,
    );
    // No shed request left anything behind: one run per 2xx.
    expect(requested).toHaveLength(accepted.length);
    expect(new Set(requested.map((event) => event.id)).size).toBe(accepted.length);
    // Once the queue is gone, requests are admitted again.
    await eventually(
      async () => (await t.request('POST', '/workflows/queued/run', { body: {} })).status,
      (status) => status === 202,
    );
  });

  it('sheds at once while the event loop is later than APPHUB_MAX_EVENT_LOOP_DELAY_MS; probes and metrics still answer', async () => {
    const blocked = await startTestApp(
      { APPHUB_MAX_EVENT_LOOP_DELAY_MS: '50' },
      { database: t.database, prefix: t.prefix },
    );
    try {
      // Hold this (shared) event loop for 80 ms at a time while the requests arrive: every sample is late.
      const blocker = setInterval(() => {
        const until = Date.now() + 80;
        while (Date.now() < until) {
          /* a blocked event loop */
        }
      }, 1);
      const answers: Array<{ status: number; body: any }> = [];
      let probe;
      try {
        // Rounds of five until one is shed (at most 20): on a loaded machine the first samples may not be late yet.
        for (let round = 0; round < 20 && !answers.some((answer) => answer.status === 503); round += 1)
          answers.push(
            ...(await Promise.all(
              Array.from({ length: 5 }, () => blocked.request('GET', '/workflows/queued', { token: null })),
            )),
          );
        probe = await blocked.request('GET', '/health/live', { token: null });
      } finally {
        clearInterval(blocker);
      }
      expect(probe.status).toBe(200);
      const shed = answers.filter((answer) => answer.status === 503);
      expect(shed.length).toBeGreaterThan(0);
      for (const answer of shed) expect(answer.body.code).toBe('overloaded');
      const metrics = (await blocked.request('GET', '/metrics', { token: null })).body as string;
      expect(metrics).toMatch(/apphub_http_requests_shed_total\{reason="event_loop_delay"\} [1-9]/);
      // The loop is on time again: requests are admitted.
      await eventually(
        async () => (await blocked.request('GET', '/workflows/queued', { token: null })).status,
        (status) => status === 200,
      );
    } finally {
      await blocked.close();
    }
  });
});
