import { DependencyUnavailableError } from '../../src/events/transient-error.js';
import { RunIndex } from '../../src/events/run-index.js';
import { RunCommandService } from '../../src/runs/run-command.service.js';
import { RunRequester } from '../../src/runs/run-requester.js';
import { WorkflowCommandService } from '../../src/workflows/workflow-command.service.js';
import { testEventId } from '../support/builders/lineage-events.js';
import { RUNNER_TOKEN, startTestApp, WRITER_TOKEN, type TestApp } from '../support/test-app.js';

/** A run index (KV) that refuses every registration, as during a KV outage. */
class BrokenRunIndex extends RunIndex {
  override async register(): Promise<void> {
    throw new DependencyUnavailableError('nats', 'KV put failed');
  }
}

/** The run index and the run's first event (issue 17 item 2). */
describe('a run the run index does not know', () => {
  let t: TestApp;
  let commands: RunCommandService;
  /** A second service over the same NATS and Postgres: a restarted API process (empty caches). */
  const restarted = () =>
    new RunCommandService(
      t.platform.store,
      t.platform.events.runIndex(),
      t.platform.db,
      t.app.get(WorkflowCommandService),
    );

  beforeAll(async () => {
    t = await startTestApp();
    commands = t.app.get(RunCommandService);
    const body = { slug: 'indexed', name: 'Indexed', steps: [{ id: 'a', jobSlug: 'indexed-job' }] };
    expect((await t.request('POST', '/workflows', { body, token: WRITER_TOKEN })).status).toBe(201);
  });
  afterAll(async () => {
    await t.close();
  });

  it('is never recorded when its registration fails: the 503 that says nothing was recorded is true', async () => {
    const { workflow } = await t.app.get(WorkflowCommandService).require('indexed');
    const requester = new RunRequester(t.platform.store, new BrokenRunIndex(t.platform.nats), commands.runs);
    const runId = testEventId('unregistered', 1);
    const input = {
      workflow,
      runId,
      partitionKey: null,
      parameters: {},
      runKey: null,
      triggeredBy: null,
      trigger: { type: 'manual' as const },
      priority: null,
    };
    const metadata = { correlationId: runId, causationId: null, actor: 'test' };
    await expect(requester.request(input, metadata, new Date().toISOString())).rejects.toThrow(
      DependencyUnavailableError,
    );
    expect(await t.platform.store.readLast(t.platform.store.subjects.run('indexed', runId))).toBeNull();
  });

  it('is found by completion and cancel after a restart when its index entry is missing, and the index repaired', async () => {
    const created = await t.request('POST', '/workflows/indexed/run', { body: {}, token: RUNNER_TOKEN });
    expect(created.status).toBe(202);
    const runId = created.body.data.id as string;
    await t.platform.nats.runs.delete(runId);
    const fresh = restarted();
    expect(await fresh.slugOf(runId)).toBe('indexed');
    const { run } = await fresh.cancel(runId, 'test', 'gone');
    expect(run.status).toBe('canceled');
    expect((await t.platform.nats.runs.get(runId))?.string()).toBe('indexed');
    expect(await restarted().slugOf(testEventId('never-requested', 1))).toBeNull();
  });
});
