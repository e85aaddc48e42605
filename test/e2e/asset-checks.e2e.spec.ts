import { JOB_HANDLERS, type JobHandlerRegistry } from '../../src/jobs/job-handler.js';
import { RUNNER_TOKEN, startTestApp, type TestApp } from '../support/test-app.js';
import { eventually } from '../support/waiting.js';
import { countAutoRuns, pairOfWorkflows, register } from './materializer-fixtures.js';

/** Asset checks (issue 20, DESIGN §14) over HTTP: declared, reported with a completion, evaluated, read back. */
describe('asset checks over HTTP', () => {
  let t: TestApp;
  let rowsPass = false;
  beforeAll(async () => {
    t = await startTestApp();
    t.app.get<JobHandlerRegistry>(JOB_HANDLERS).register('gate-up-job', async () => ({
      status: 'succeeded',
      result: { assets: [{ assetId: 'gate.up', payload: { n: 1 }, checks: [{ name: 'rows', passed: rowsPass }] }] },
    }));
  });
  afterAll(async () => {
    await t.close();
  });

  const getRun = async (runId: string) =>
    (await t.request('GET', `/workflow-runs/${runId}`, { token: null })).body.data;
  const runningStep = (runId: string, stepId: string) =>
    eventually(
      () => getRun(runId),
      (run) => run?.steps?.find((step: { stepId: string }) => step.stepId === stepId)?.status === 'running',
      15_000,
    );

  const checked = {
    slug: 'checked',
    name: 'Checked report',
    steps: [
      {
        id: 'make',
        jobSlug: 'external-job',
        produces: [
          {
            assetId: 'checked.report',
            checks: [
              { name: 'rows', description: 'At least one row.', severity: 'error', blocking: true },
              { name: 'has-total', severity: 'warn', payloadSchema: { type: 'object', required: ['total'] } },
            ],
          },
        ],
      },
    ],
  };

  it('refuses an undeclared check with 422 and the field path, records reported and evaluated results', async () => {
    expect((await t.request('POST', '/workflows', { body: checked })).status).toBe(201);
    const run = await t.request('POST', '/workflows/checked/run', { body: {} });
    expect(run.status).toBe(202);
    const runId = run.body.data.id as string;
    await runningStep(runId, 'make');

    const undeclared = await t.request('POST', `/workflow-runs/${runId}/steps/make/complete`, {
      body: {
        status: 'succeeded',
        result: { assets: [{ assetId: 'checked.report', payload: {}, checks: [{ name: 'typo', passed: true }] }] },
      },
    });
    expect(undeclared.status).toBe(422);
    expect(undeclared.body.code).toBe('undeclared_check');
    expect(undeclared.body.errors).toEqual([
      { path: '/result/assets/0/checks/0/name', message: '"checked.report" declares no check "typo"' },
    ]);

    const completed = await t.request('POST', `/workflow-runs/${runId}/steps/make/complete`, {
      body: {
        status: 'succeeded',
        result: {
          assets: [
            {
              assetId: 'checked.report',
              payload: { rows: 0 },
              checks: [{ name: 'rows', passed: false, metadata: { rows: 0 } }],
            },
          ],
        },
      },
    });
    expect(completed.status).toBe(200);

    const checks = await eventually(
      () => t.request('GET', '/workflows/checked/assets/checked.report/checks'),
      (response) => response.body?.data?.results?.length === 2,
      15_000,
    );
    expect(checks.status).toBe(200);
    expect(checks.body.data.declared.map((d: { name: string }) => d.name)).toEqual(['rows', 'has-total']);
    const byName = Object.fromEntries(
      checks.body.data.results.map((r: { checkName: string }) => [r.checkName, r]),
    ) as Record<string, Record<string, unknown>>;
    expect(byName.rows).toMatchObject({
      passed: false,
      blocking: true,
      severity: 'error',
      source: 'job',
      metadata: { rows: 0 },
    });
    expect(byName['has-total']).toMatchObject({ passed: false, blocking: false, source: 'service' });
    expect(byName.rows!.producedEventId).toBe(byName['has-total']!.producedEventId);

    // The check results are appended before the materialization they judge (DESIGN §14), so their sequence does not
    // cover the `asset.produced` event: wait for the history entry itself, then read partitions at its sequence.
    const history = await eventually(
      () => t.request('GET', '/workflows/checked/assets/checked.report/history'),
      (response) => response.body?.data?.history?.length === 1,
      15_000,
    );
    expect(history.status).toBe(200);
    expect(history.body.data.history).toHaveLength(1);
    const seq = history.body.data.history[0].eventSeq as number;
    expect(seq).toBeGreaterThan(Math.max(...checks.body.data.results.map((r: { eventSeq: number }) => r.eventSeq)));
    expect(history.body.data.history[0].checks).toEqual([
      { name: 'rows', passed: false, severity: 'error', blocking: true },
      { name: 'has-total', passed: false, severity: 'warn', blocking: false },
    ]);
    const partitions = await t.request('GET', `/workflows/checked/assets/checked.report/partitions?minSeq=${seq}`);
    expect(partitions.status).toBe(200);
    expect(partitions.body.data.partitions[0].latest.checks).toEqual(history.body.data.history[0].checks);

    const filtered = await t.request('GET', '/workflows/checked/assets/checked.report/checks?check=rows');
    expect(filtered.body.data.results.map((r: { checkName: string }) => r.checkName)).toEqual(['rows']);
    const unknown = await t.request('GET', '/workflows/checked/assets/nope/checks');
    expect(unknown.status).toBe(404);
  });

  it('refuses checks declared on a consumed asset at registration', async () => {
    const response = await t.request('POST', '/workflows', {
      body: {
        slug: 'checked-consumer',
        name: 'Checks on consumes',
        steps: [{ id: 's', jobSlug: 'j', consumes: [{ assetId: 'x', checks: [{ name: 'c', severity: 'warn' }] }] }],
      },
    });
    expect(response.status).toBe(400);
    expect(response.body.errors).toContainEqual(expect.objectContaining({ path: '/steps/0/consumes/0/checks' }));
  });

  it('a failed blocking check stops auto-materialization downstream (blocked-by-check), a passing one resumes it', async () => {
    const pair = pairOfWorkflows('gate');
    const upstreamStep = {
      ...pair.upstream.steps[0],
      jobSlug: 'gate-up-job',
      produces: [{ assetId: 'gate.up', checks: [{ name: 'rows', severity: 'error', blocking: true }] }],
    };
    await register(t, { ...pair.upstream, steps: [upstreamStep] });
    await register(t, pair.downstream);
    const view = (query: string) => t.request('GET', `/workflows/gate-down/auto-materialize${query}`, { token: null });
    const runUp = () => t.request('POST', '/workflows/gate-up/run', { body: {}, token: RUNNER_TOKEN });

    rowsPass = false;
    expect((await runUp()).status).toBe(202);
    const skipped = await eventually(
      () => view('?outcome=skipped'),
      (response) => response.body?.data?.decisions?.length === 1,
      15_000,
    );
    expect(skipped.body.data.decisions[0]).toMatchObject({
      outcome: 'skipped',
      reason: 'blocked-by-check',
      assetId: 'gate.up',
      detail: expect.stringContaining('rows'),
    });
    expect(await countAutoRuns(t.platform.db, 'gate-down')).toBe(0);

    rowsPass = true;
    expect((await runUp()).status).toBe(202);
    await eventually(
      () => countAutoRuns(t.platform.db, 'gate-down'),
      (n) => n === 1,
      15_000,
    );
    const enqueued = await view('?outcome=enqueued');
    expect(enqueued.body.data.decisions).toEqual([
      expect.objectContaining({ outcome: 'enqueued', reason: 'upstream-update', assetId: 'gate.up' }),
    ]);
  });
});
