import { createServer, type Server, type ServerResponse } from 'node:http';
import { JOB_HANDLERS, type JobContext, type JobHandlerRegistry } from '../../src/jobs/job-handler.js';
import { eventCatalog } from '../../src/event-catalog.js';
import { EventSchemaRegistry } from '../../src/events/event-schemas.js';
import { EventStore } from '../../src/events/event-store.js';
import { JobQueue } from '../../src/events/job-queue.js';
import type { JobDispatch } from '../../src/runs/job-dispatch.js';
import { RUNNER_TOKEN, startTestApp, WRITER_TOKEN, type TestApp } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { openTestNats, testPrefix } from '../support/test-nats.js';
import { eventually } from '../support/waiting.js';

/** A promise with its resolver, to hold a job until the test lets it go. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

const runEvents = async (t: TestApp, slug: string, runId: string) =>
  (await t.platform.store.readSubject(t.platform.nats.subjects.run(slug, runId))).map((event) => ({
    type: event.type,
    data: event.data as { stepId?: string; attempt?: number },
  }));
const jobsInQueue = async (t: TestApp) =>
  (await t.platform.nats.jsm.streams.info(t.platform.nats.subjects.streams.jobs)).state.messages;
const dispatchOf = async (t: TestApp, slug: string, runId: string, stepId: string, attempt: number) => {
  const events = await runEvents(t, slug, runId);
  const dispatched = events.find(
    (event) =>
      event.type === 'workflow.step.dispatched' && event.data.stepId === stepId && event.data.attempt === attempt,
  )!;
  const data = dispatched.data as unknown as JobDispatch;
  return { ...data, runId, workflowSlug: slug } as JobDispatch;
};

describe('the built-in job worker and stale dispatches (issue 8 item 5)', () => {
  let t: TestApp;
  let jobs: JobQueue;
  const calls: string[] = [];
  const held = new Map<string, ReturnType<typeof gate>>();
  const getRun = (runId: string) =>
    t.request('GET', `/workflow-runs/${runId}`, { token: null }).then((r) => r.body.data);

  beforeAll(async () => {
    t = await startTestApp();
    jobs = new JobQueue(t.platform.nats, t.platform.log);
    const registry = t.app.get<JobHandlerRegistry>(JOB_HANDLERS);
    // Each attempt is recorded; an attempt the test holds waits for it, a first attempt of `flaky` fails.
    registry.register('stale-job', async (context: JobContext) => {
      const key = `${context.runId}:${context.stepId}:${context.attempt}`;
      calls.push(key);
      await held.get(key)?.opened;
      if (context.workflowSlug === 'flaky' && context.attempt === 1) return { status: 'failed', error: 'first try' };
      return { status: 'succeeded', result: {} };
    });
    for (const slug of ['cancelable', 'flaky']) {
      const body = {
        slug,
        name: slug,
        steps: [{ id: 'work', jobSlug: 'stale-job', retries: 1, retryBackoffMs: 1 }],
      };
      expect((await t.request('POST', '/workflows', { body, token: WRITER_TOKEN })).status).toBe(201);
    }
  });
  afterAll(async () => {
    for (const g of held.values()) g.open();
    await t.close();
  });

  const hold = (key: string) => {
    const g = gate();
    held.set(key, g);
    return g;
  };
  const run = async (slug: string) =>
    (await t.request('POST', `/workflows/${slug}/run`, { body: {}, token: RUNNER_TOKEN })).body.data.id as string;
  /** A dispatch published again after the 2-minute `Nats-Msg-Id` window (another message id, same job). */
  const replay = (dispatch: JobDispatch) =>
    jobs.dispatch('stale-job', `replayed:${dispatch.runId}:${dispatch.stepId}:${dispatch.attempt}`, dispatch);

  it('drops a dispatch of a canceled run without running the job', async () => {
    const runId = await run('cancelable');
    const first = hold(`${runId}:work:1`);
    await eventually(
      async () => calls,
      (seen) => seen.includes(`${runId}:work:1`),
    );
    expect((await t.request('POST', `/workflow-runs/${runId}/cancel`, { body: {}, token: RUNNER_TOKEN })).status).toBe(
      202,
    );
    first.open();
    await eventually(
      () => jobsInQueue(t),
      (n) => n === 0,
    );
    await replay(await dispatchOf(t, 'cancelable', runId, 'work', 1));
    expect(await jobsInQueue(t)).toBe(1);
    await eventually(
      () => jobsInQueue(t),
      (n) => n === 0,
    );
    expect(calls.filter((call) => call.startsWith(runId))).toEqual([`${runId}:work:1`]);
    expect((await getRun(runId)).status).toBe('canceled');
  });

  it('drops a dispatch of an attempt the run has moved on from, and runs the current one', async () => {
    const runId = await run('flaky');
    const second = hold(`${runId}:work:2`);
    await eventually(
      async () => calls,
      (seen) => seen.includes(`${runId}:work:2`),
    );
    // Attempt 2 is running (held, unacknowledged): the replayed attempt 1 is the only other job in the queue.
    await replay(await dispatchOf(t, 'flaky', runId, 'work', 1));
    expect(await jobsInQueue(t)).toBe(2);
    await eventually(
      () => jobsInQueue(t),
      (n) => n === 1,
    );
    second.open();
    const done = await eventually(
      () => getRun(runId),
      (r) => r.status === 'succeeded',
    );
    expect(done.steps[0]).toMatchObject({ status: 'succeeded', attempt: 2 });
    expect(calls.filter((call) => call.startsWith(runId))).toEqual([`${runId}:work:1`, `${runId}:work:2`]);
  });
});

describe('a rolling restart with jobs and service calls in flight (issue 8 item 6)', () => {
  let database: TestDatabase;
  const prefix = testPrefix();
  let service: Server;
  let serviceUrl = '';
  let phase: 'hang' | 'answer' = 'hang';
  const hanging: ServerResponse[] = [];
  const env = { APPHUB_SERVICE_URL_ALLOWLIST: '127.0.0.1' };

  beforeAll(async () => {
    database = await createTestDatabase();
    service = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        if (phase === 'hang') return void hanging.push(response);
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
      });
    });
    await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
    serviceUrl = `http://127.0.0.1:${(service.address() as { port: number }).port}/work`;
  });
  afterAll(async () => {
    for (const response of hanging) response.destroy();
    await new Promise((resolve) => service.close(resolve));
    const nats = await openTestNats(prefix);
    await nats.dispose();
    await database.drop();
  });

  it('gives running jobs back on shutdown; the next process runs the same attempt, nothing is failed', async () => {
    const first = await startTestApp(env, { database, prefix });
    const started = gate();
    first.app.get<JobHandlerRegistry>(JOB_HANDLERS).register('long-job', async (context) => {
      started.open();
      await new Promise((resolve) => context.signal.addEventListener('abort', resolve, { once: true }));
      throw new Error('interrupted by shutdown');
    });
    const body = {
      slug: 'rolling',
      name: 'Rolling',
      steps: [
        { id: 'job', jobSlug: 'long-job' },
        { id: 'call', serviceUrl },
      ],
    };
    expect((await first.request('POST', '/workflows', { body, token: WRITER_TOKEN })).status).toBe(201);
    const runId = (await first.request('POST', '/workflows/rolling/run', { body: {}, token: RUNNER_TOKEN })).body.data
      .id as string;
    await started.opened;
    await eventually(
      async () => hanging.length,
      (n) => n === 1,
    );
    await first.close();

    // Between the two processes: what the stream says about the run.
    const nats = await openTestNats(prefix);
    const store = new EventStore(nats, new EventSchemaRegistry(eventCatalog));
    const events = (await store.readSubject(nats.subjects.run('rolling', runId))).map((event) => event.type);
    await nats.close();
    expect(events).not.toContain('workflow.step.failed');
    expect(events).not.toContain('workflow.run.failed');

    phase = 'answer';
    const second = await startTestApp(env, { database, prefix });
    try {
      second.app.get<JobHandlerRegistry>(JOB_HANDLERS).register('long-job', async () => ({ status: 'succeeded' }));
      const done = await eventually(
        () => second.request('GET', `/workflow-runs/${runId}`, { token: null }).then((r) => r.body.data),
        (r) => r?.status === 'succeeded',
        20_000,
      );
      expect(done.steps.map((step: { attempt: number; status: string }) => [step.status, step.attempt])).toEqual([
        ['succeeded', 1],
        ['succeeded', 1],
      ]);
    } finally {
      await second.close();
    }
  });
});
