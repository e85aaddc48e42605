import { JOB_HANDLERS, type JobHandlerRegistry } from '../../src/jobs/job-handler.js';
import { RUNNER_TOKEN, startTestApp, type TestApp } from '../support/test-app.js';
import { eventually } from '../support/waiting.js';
import {
  appendProduced,
  countAutoRuns,
  pairOfWorkflows,
  producedEnvelope,
  register,
  settleRuns,
} from './materializer-fixtures.js';

describe('materializer over HTTP', () => {
  let t: TestApp;
  const run = (slug: string, body: object = {}) =>
    t.request('POST', `/workflows/${slug}/run`, { body, token: RUNNER_TOKEN });
  const view = (slug: string, query = '') =>
    t.request('GET', `/workflows/${slug}/auto-materialize${query}`, { token: null });
  const complete = (runId: string, stepId: string) =>
    t.request('POST', `/workflow-runs/${runId}/steps/${stepId}/complete`, {
      body: { status: 'succeeded' },
      token: RUNNER_TOKEN,
    });

  beforeAll(async () => {
    t = await startTestApp();
    t.app.get<JobHandlerRegistry>(JOB_HANDLERS).register('chain-up-job', async () => ({
      status: 'succeeded',
      result: { assets: [{ assetId: 'chain.up', payload: { n: 1 } }] },
    }));
    const pair = pairOfWorkflows('chain');
    await register(t, { ...pair.upstream, steps: [{ ...pair.upstream.steps[0], jobSlug: 'chain-up-job' }] });
    await register(t, pair.downstream);
  });
  afterAll(async () => {
    await t.close();
  });

  it('requests an auto run when an upstream run produces, and coalesces triggers into exactly one follow-up', async () => {
    const upRun = (await run('chain-up')).body.data.id;
    await eventually(
      () => countAutoRuns(t.platform.db, 'chain-down'),
      (n) => n === 1,
    );
    const first = (await view('chain-down')).body.data.runs[0];
    expect(first).toMatchObject({
      status: expect.stringMatching(/pending|running/),
      triggeredBy: 'asset-materializer',
      parameters: { environment: 'production', region: 'eu' },
      trigger: {
        type: 'auto-materialize',
        reason: 'upstream-update',
        assetId: 'chain.up',
        upstream: { workflowSlug: 'chain-up', runId: upRun },
        chain: ['chain-up', 'chain-down'],
      },
    });
    for (let i = 0; i < 5; i++) await run('chain-up');
    await eventually(
      () => view('chain-down', '?outcome=coalesced'),
      (r) => r.body.data.decisions.length === 5,
    );
    await settleRuns(t);
    expect(await countAutoRuns(t.platform.db, 'chain-down')).toBe(1);
    const during = (await view('chain-down')).body.data;
    expect(during.inFlight).toEqual([
      expect.objectContaining({
        partitionKey: null,
        runId: first.id,
        assetId: 'chain.up',
        reason: 'upstream-update',
        since: expect.any(String),
      }),
    ]);

    await eventually(
      () => complete(first.id, 'down'),
      (r) => r.status === 200,
    );
    await eventually(
      () => countAutoRuns(t.platform.db, 'chain-down'),
      (n) => n === 2,
    );
    const followUp = (await view('chain-down')).body.data.runs[0];
    expect(followUp.trigger).toMatchObject({ coalesced: 5, followUpOf: first.id });
    await eventually(
      () => complete(followUp.id, 'down'),
      (r) => r.status === 200,
    );
    await eventually(
      () => view('chain-down'),
      (r) => r.body.data.runs[0].status === 'succeeded' && r.body.data.inFlight.length === 0,
    );
    await settleRuns(t);
    expect(await countAutoRuns(t.platform.db, 'chain-down')).toBe(2);

    // Where the managers' batches spent their time is on /metrics: each stage of both managers was observed.
    const metrics: string = (await t.request('GET', '/metrics', { token: null })).body;
    const count = (manager: string, stage: string) => {
      const line = metrics
        .split('\n')
        .find((l) => l.startsWith(`apphub_manager_stage_seconds_count{manager="${manager}",stage="${stage}"}`));
      return line ? Number(line.split(' ').pop()) : 0;
    };
    const stages = ['materializer', 'run_executor'].flatMap((manager) =>
      ['waited', 'load', 'decide', 'effects'].map((stage) => [manager, stage] as const),
    );
    expect(stages.filter(([manager, stage]) => count(manager, stage) === 0)).toEqual([]);
    expect(count('materializer', 'effects')).toBeGreaterThanOrEqual(2);
    expect(count('materializer', 'waited')).toBeGreaterThanOrEqual(count('materializer', 'load'));
    expect(count('run_executor', 'effects')).toBeGreaterThan(0);
  });

  it('shows decisions with filters, answers 404 for an unknown workflow and 400 for a bad query', async () => {
    const all = await view('chain-down', '?limit=50&minSeq=1');
    expect(all.status).toBe(200);
    expect(Object.keys(all.body.data).sort()).toEqual(['backoff', 'decisions', 'inFlight', 'runs']);
    expect(all.body.data.decisions[0]).toEqual(
      expect.objectContaining({
        at: expect.any(String),
        assetId: 'chain.up',
        partitionKey: null,
        outcome: 'enqueued',
        reason: 'upstream-update',
        runId: expect.any(String),
      }),
    );
    expect((await view('chain-down', '?assetId=nope')).body.data).toMatchObject({ runs: [], decisions: [] });
    expect((await view('chain-down', '?outcome=enqueued')).body.data.decisions).toHaveLength(2);
    expect((await view('nope')).status).toBe(404);
    expect((await view('nope')).body.code).toBe('workflow_not_found');
    expect((await view('chain-down', '?limit=0')).status).toBe(400);
    expect((await view('chain-down', '?outcome=maybe')).status).toBe(400);
  });

  it('stops the report ↔ archive pair after one round (cycle)', async () => {
    const handlers = t.app.get<JobHandlerRegistry>(JOB_HANDLERS);
    handlers.register('report-job', async () => ({
      status: 'succeeded',
      result: { assets: [{ assetId: 'dir.report', payload: {} }] },
    }));
    handlers.register('archive-job', async () => ({
      status: 'succeeded',
      result: { assets: [{ assetId: 'dir.archive', payload: {} }] },
    }));
    const policy = { onUpstreamUpdate: true };
    await register(t, {
      slug: 'report',
      name: 'Report',
      steps: [
        {
          id: 'r',
          jobSlug: 'report-job',
          consumes: [{ assetId: 'dir.archive' }],
          produces: [{ assetId: 'dir.report', autoMaterialize: policy }],
        },
      ],
    });
    await register(t, {
      slug: 'archive',
      name: 'Archive',
      steps: [
        {
          id: 'a',
          jobSlug: 'archive-job',
          consumes: [{ assetId: 'dir.report' }],
          produces: [{ assetId: 'dir.archive', autoMaterialize: policy }],
        },
      ],
    });
    // An archive exists (as if archived by hand): the report re-runs, archives again, and the way back is a cycle.
    await appendProduced(t.platform.store, producedEnvelope({ assetId: 'dir.archive', workflowSlug: 'archive' }));
    await eventually(
      () => view('archive', '?outcome=skipped'),
      (r) => r.body.data.decisions.length === 1,
    );
    await settleRuns(t);
    expect((await view('archive', '?outcome=skipped')).body.data.decisions[0]).toMatchObject({
      reason: 'cycle',
      assetId: 'dir.report',
    });
    const reports = (await view('report')).body.data.runs;
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ status: 'succeeded', trigger: { chain: ['archive', 'report'] } });
    expect(await countAutoRuns(t.platform.db, 'archive')).toBe(0);
  });

  it('turns a trigger appended twice (a redelivery after the dedupe window) into one run', async () => {
    const pair = pairOfWorkflows('redo');
    await register(t, pair.upstream);
    await register(t, pair.downstream);
    const envelope = producedEnvelope({ assetId: 'redo.up', workflowSlug: 'redo-up' });
    await appendProduced(t.platform.store, envelope);
    // Same event id, new Nats-Msg-Id: what a relay replay after the 2-minute window would append.
    await t.platform.nats.js.publish(t.platform.store.subjects.asset('produced', 'redo.up'), JSON.stringify(envelope), {
      msgID: `${envelope.id}-again`,
    });
    await settleRuns(t);
    expect(await countAutoRuns(t.platform.db, 'redo-down')).toBe(1);
    const decisions = (await view('redo-down')).body.data.decisions;
    expect(decisions.map((d: { outcome: string }) => d.outcome)).toEqual(['enqueued']);
  });
});
