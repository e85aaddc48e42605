import { RunIndex } from '../../src/events/run-index.js';
import { RunCommandService } from '../../src/runs/run-command.service.js';
import { RunRequester } from '../../src/runs/run-requester.js';
import { WorkflowCommandService } from '../../src/workflows/workflow-command.service.js';
import { testEventId } from '../support/builders/lineage-events.js';
import { RUNNER_TOKEN, startTestApp, WRITER_TOKEN, type TestApp } from '../support/test-app.js';

/** Run keys reserved by a request whose first event is not stored yet (issue 8 item 3). */
describe('a run key whose holder has no event yet', () => {
  let t: TestApp;
  let commands: RunCommandService;
  const request = (runKey: string) =>
    t.request('POST', '/workflows/keyed/run', { body: { runKey }, token: RUNNER_TOKEN });

  beforeAll(async () => {
    t = await startTestApp();
    commands = t.app.get(RunCommandService);
    const body = { slug: 'keyed', name: 'Keyed', steps: [{ id: 'a', jobSlug: 'keyed-job' }] };
    expect((await t.request('POST', '/workflows', { body, token: WRITER_TOKEN })).status).toBe(201);
  });
  afterAll(async () => {
    await t.close();
  });

  it('is live during the grace period: a second request gets 409, nothing is appended for it', async () => {
    // The holder reserved the key and has not appended its `workflow.run.requested` yet.
    const holder = testEventId('holder', 1);
    await commands.index.reserveRunKey('keyed', 'nightly', holder, async () => 'missing');
    const before = await t.platform.store.lastSequence();
    const second = await request('nightly');
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ code: 'run_key_conflict' });
    expect(await t.platform.store.lastSequence()).toBe(before);
  });

  it('is taken over once the grace period has passed without an event (the request never got appended)', async () => {
    const holder = testEventId('holder', 2);
    await commands.index.reserveRunKey('keyed', 'abandoned', holder, async () => 'missing');
    const index = new RunIndex(t.platform.nats, 0);
    const requester = new RunRequester(t.platform.store, index, commands.runs);
    const { workflow } = await t.app.get(WorkflowCommandService).require('keyed');
    const taken = await requester.request(
      {
        workflow,
        runId: testEventId('taker', 2),
        partitionKey: null,
        parameters: {},
        runKey: 'abandoned',
        triggeredBy: null,
        trigger: { type: 'manual' },
        priority: null,
      },
      { correlationId: 'test', causationId: null, actor: 'test' },
      new Date().toISOString(),
    );
    expect(taken.created).toBe(true);
  });

  it('lets exactly one of two simultaneous requests with one key through, every time', async () => {
    for (let round = 0; round < 8; round++) {
      const answers = await Promise.all([request(`race-${round}`), request(`race-${round}`)]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([202, 409]);
    }
  });
});
