import { JOB_HANDLERS, type JobHandlerRegistry } from '../../src/jobs/job-handler.js';
import { checkpointOf } from '../../src/events/consumer-store/index.js';
import { ConsumerRegistry } from '../../src/projector/consumer-registry.js';
import { byWorkflowRun, startLineageReceiver } from '../support/lineage-receiver.js';
import { expectValidOpenLineage } from '../support/openlineage-schema.js';
import { RUNNER_TOKEN, startTestApp, type TestApp } from '../support/test-app.js';
import { eventually } from '../support/waiting.js';
import { register } from './materializer-fixtures.js';

const upSchema = { type: 'object', properties: { rows: { type: 'integer' }, source: { type: 'string' } } };

/** The whole service with the lineage role (HTTP and NATS transports) next to every other role. */
describe('OpenLineage emitter in the service', () => {
  let t: TestApp;
  let receiver: Awaited<ReturnType<typeof startLineageReceiver>>;
  const parsed = () => receiver.accepted.map((body) => JSON.parse(body));

  beforeAll(async () => {
    receiver = await startLineageReceiver();
    t = await startTestApp({
      OPENLINEAGE_URL: receiver.url,
      OPENLINEAGE_TRANSPORT: 'http,nats',
      OPENLINEAGE_NAMESPACE: 'e2e',
    });
    const handlers = t.app.get<JobHandlerRegistry>(JOB_HANDLERS);
    handlers.register('ol-up-job', async () => ({
      status: 'succeeded',
      result: { assets: [{ assetId: 'ol.up', payload: { rows: 3, source: 'crm' } }] },
    }));
    handlers.register('ol-down-job', async () => ({
      status: 'succeeded',
      result: { assets: [{ assetId: 'ol.down', payload: { total: 3 } }] },
    }));
    await register(t, {
      slug: 'ol-up',
      name: 'Upstream',
      steps: [{ id: 'up', jobSlug: 'ol-up-job', produces: [{ assetId: 'ol.up', schema: upSchema }] }],
    });
    await register(t, {
      slug: 'ol-down',
      name: 'Downstream',
      steps: [
        {
          id: 'down',
          jobSlug: 'ol-down-job',
          consumes: [{ assetId: 'ol.up' }],
          produces: [{ assetId: 'ol.down', autoMaterialize: { onUpstreamUpdate: true } }],
        },
      ],
    });
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('emits a manual run and the auto run it triggers, linked by datasets, versions and the trigger facet', async () => {
    const upRunId: string = (await t.request('POST', '/workflows/ol-up/run', { body: {}, token: RUNNER_TOKEN })).body
      .data.id;
    await eventually(
      async () => parsed(),
      (events) => events.some((e) => e.job.name === 'ol-down' && e.eventType === 'COMPLETE'),
      30_000,
    );
    const events = parsed();
    expectValidOpenLineage(events);
    const shape = [...byWorkflowRun(receiver.accepted).values()].map((bodies) =>
      bodies.map((body) => {
        const event = JSON.parse(body);
        return `${event.eventType} ${event.job.namespace}/${event.job.name}`;
      }),
    );
    expect(shape).toEqual([
      ['START e2e/ol-up', 'START e2e/ol-up.up', 'COMPLETE e2e/ol-up.up', 'COMPLETE e2e/ol-up'],
      ['START e2e/ol-down', 'START e2e/ol-down.down', 'COMPLETE e2e/ol-down.down', 'COMPLETE e2e/ol-down'],
    ]);

    // The upstream step's output version is the id of the asset.produced event the relay appended.
    const produced = await eventually(
      () => t.platform.store.readLast(t.platform.nats.subjects.asset('produced', 'ol.up')),
      (event) => event !== null,
    );
    const upComplete = events.find((e) => e.job.name === 'ol-up.up' && e.eventType === 'COMPLETE');
    expect(upComplete.outputs).toEqual([expect.objectContaining({ namespace: 'apphub', name: 'ol.up' })]);
    expect(upComplete.outputs[0].facets.version.datasetVersion).toBe(produced!.id);
    expect(upComplete.outputs[0].facets.schema.fields).toEqual([
      { name: 'rows', type: 'integer' },
      { name: 'source', type: 'string' },
    ]);

    // The auto run says why it exists, and reads the upstream asset with the producer's schema.
    const downStart = events.find((e) => e.job.name === 'ol-down' && e.eventType === 'START');
    expect(events.find((e) => e.job.name === 'ol-up' && e.eventType === 'START').run.runId).toBe(upRunId);
    expect(downStart.run.facets.apphub_trigger).toMatchObject({
      type: 'auto-materialize',
      reason: 'upstream-update',
      triggeredBy: 'asset-materializer',
      upstream: { workflowSlug: 'ol-up', runId: upRunId },
    });
    const downStepStart = events.find((e) => e.job.name === 'ol-down.down' && e.eventType === 'START');
    expect(downStepStart.inputs).toEqual([
      expect.objectContaining({ name: 'ol.up', facets: { schema: upComplete.outputs[0].facets.schema } }),
    ]);
    expect(downStepStart.run.facets.parent.run.runId).toBe(downStart.run.runId);
  });

  it('publishes the same bytes on NATS, which no consumer of the service dead-letters', async () => {
    const { nats, store, db } = t.platform;
    const info = await nats.jsm.streams.info(nats.subjects.streams.events);
    const published: string[] = [];
    for (let seq = 1; seq <= info.state.last_seq; seq++) {
      const message = await nats.jsm.streams.getMessage(nats.subjects.streams.events, { seq });
      if (message?.subject.startsWith(`${nats.subjects.prefix}.lineage.`)) published.push(message.string());
    }
    expect(published).toHaveLength(receiver.accepted.length);
    expect(new Set(published)).toEqual(new Set(receiver.accepted));

    // Every stream consumer of the service passes the OpenLineage messages at the end of the stream.
    const head = await store.lastSequence();
    const runners = ['read_models', 'run_executor', 'materializer', 'lineage'];
    expect(t.app.get(ConsumerRegistry).names()).toEqual(expect.arrayContaining(runners));
    for (const name of runners)
      await eventually(
        () => checkpointOf(db, name),
        (seq) => seq >= head,
        15_000,
      );
    expect(await db.selectFrom('projection_dead_letter').select(['projection', 'seq', 'subject']).execute()).toEqual(
      [],
    );
  });

  it('reports emitted events in /metrics and the emitter’s lag in /health/ready', async () => {
    const metrics = await t.request('GET', '/metrics', { token: null });
    expect(metrics.body).toMatch(/apphub_lineage_events_emitted_total\{transport="http",event_type="COMPLETE"\} 4/);
    expect(metrics.body).toMatch(/apphub_lineage_events_emitted_total\{transport="nats",event_type="START"\} 4/);
    expect(metrics.body).toMatch(/apphub_lineage_stalled 0/);
    const ready = await t.request('GET', '/health/ready', { token: null });
    expect(ready.body.projectionLag).toHaveProperty('lineage', 0);
  });
});
