import { connect } from '@nats-io/transport-node';
import { subscribeToAssets, type AssetEvent } from '../../src/client/index.js';
import { JOB_HANDLERS, type JobHandlerRegistry } from '../../src/jobs/job-handler.js';
import { TEST_NATS_URL } from '../support/test-env.js';
import { RUNNER_TOKEN, startTestApp, WRITER_TOKEN, type TestApp } from '../support/test-app.js';
import { eventually } from '../support/waiting.js';

describe('consumed assets and subscribers', () => {
  let t: TestApp;
  // The producer's job waits until the test has seen the consumer waiting (the whole chain takes milliseconds).
  let releaseProducer: () => void = () => undefined;
  const producerMayRun = new Promise<void>((resolve) => (releaseProducer = resolve));
  const getRun = (runId: string) =>
    t.request('GET', `/workflow-runs/${runId}`, { token: null }).then((r) => r.body.data);
  const run = async (slug: string, body: object = {}) =>
    (await t.request('POST', `/workflows/${slug}/run`, { body, token: RUNNER_TOKEN })).body.data.id as string;
  const register = (body: object) => t.request('POST', '/workflows', { body, token: WRITER_TOKEN });

  beforeAll(async () => {
    t = await startTestApp({ APPHUB_DEPENDENCY_WAIT_MS: '1500' });
    const handlers = t.app.get<JobHandlerRegistry>(JOB_HANDLERS);
    handlers.register('make-upstream', async (context) => {
      await producerMayRun;
      return { result: { assets: [{ assetId: 'dep.upstream', payload: { day: context.partitionKey } }] } };
    });
    handlers.register('use-upstream', async () => ({
      result: { assets: [{ assetId: 'dep.downstream', payload: {} }] },
    }));
    const day = { type: 'timeWindow', granularity: 'day' };
    await register({
      slug: 'dep-producer',
      name: 'Producer',
      steps: [{ id: 'make', jobSlug: 'make-upstream', produces: [{ assetId: 'dep.upstream', partitioning: day }] }],
    });
    await register({
      slug: 'dep-consumer',
      name: 'Consumer',
      steps: [
        {
          id: 'use',
          jobSlug: 'use-upstream',
          consumes: [{ assetId: 'dep.upstream' }],
          produces: [{ assetId: 'dep.downstream', partitioning: day }],
        },
      ],
    });
    await register({
      slug: 'dep-orphan',
      name: 'Orphan',
      steps: [{ id: 'use', jobSlug: 'use-upstream', consumes: [{ assetId: 'dep.nobody.makes.this' }] }],
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('makes a run wait for a missing upstream partition, requests its producer, and resumes when it is produced', async () => {
    const runId = await run('dep-consumer', { partitionKey: '2024-03-01' });
    const waiting = await eventually(
      () => getRun(runId),
      (r) => r.status === 'waiting',
    );
    expect(waiting.waitingFor).toMatchObject({
      stepId: 'use',
      assetId: 'dep.upstream',
      partitionKey: '2024-03-01',
      producerWorkflowSlug: 'dep-producer',
    });
    // The executor requests the producer when it processes the run's `waiting` event: poll for it.
    const producer = await eventually(
      () => getRun(waiting.waitingFor.producerRunId),
      (r) => r !== undefined && r !== null,
    );
    expect(producer).toMatchObject({
      workflowSlug: 'dep-producer',
      partitionKey: '2024-03-01',
      triggeredBy: 'asset-materializer',
      trigger: {
        type: 'dependency',
        assetId: 'dep.upstream',
        waitingRun: { workflowSlug: 'dep-consumer', runId, stepId: 'use' },
      },
    });
    releaseProducer();
    const done = await eventually(
      () => getRun(runId),
      (r) => r.status === 'succeeded',
    );
    expect(done.steps[0].producedAssets).toEqual([
      expect.objectContaining({ assetId: 'dep.downstream', partitionKey: '2024-03-01' }),
    ]);
  });

  it('does not wait when the upstream partition is already available', async () => {
    const runId = await run('dep-consumer', { partitionKey: '2024-03-01' });
    const done = await eventually(
      () => getRun(runId),
      (r) => r.status === 'succeeded',
    );
    expect(done.waitingFor).toBeNull();
  });

  it('fails with upstream_unavailable after the bounded wait', async () => {
    const runId = await run('dep-orphan');
    const failed = await eventually(
      () => getRun(runId),
      (r) => r.status === 'failed',
      15_000,
    );
    expect(failed.error.code).toBe('upstream_unavailable');
  });

  it('lets another service follow an asset family from a stream position', async () => {
    const nc = await connect({ servers: TEST_NATS_URL });
    try {
      const seen: AssetEvent[] = [];
      for await (const event of subscribeToAssets({
        nc,
        prefix: t.prefix,
        assets: 'dep.>',
        facts: ['produced'],
        from: 'start',
      })) {
        seen.push(event);
        if (seen.length === 3) break;
      }
      expect(seen.map((event) => event.data.assetId)).toEqual(['dep.upstream', 'dep.downstream', 'dep.downstream']);
      expect(seen[0]!.seq).toBeLessThan(seen[1]!.seq);
      const resumed: AssetEvent[] = [];
      for await (const event of subscribeToAssets({
        nc,
        prefix: t.prefix,
        assets: 'dep.downstream',
        from: { seq: seen[1]!.seq + 1 },
      })) {
        resumed.push(event);
        break;
      }
      expect(resumed[0]!.seq).toBe(seen[2]!.seq);
      await expect(subscribeToAssets({ nc, assets: 'bad pattern' }).next()).rejects.toThrow(/invalid asset pattern/);
    } finally {
      await nc.close();
    }
  });
});
