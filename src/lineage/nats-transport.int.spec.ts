import {
  aCompleteRun,
  ingestDefinition,
  LINEAGE_TEST_CONTEXT,
  lineageStream,
} from '../../test/support/lineage-stream.js';
import { expectValidOpenLineage } from '../../test/support/openlineage-schema.js';
import { createTestPlatform, type TestPlatform } from '../../test/support/test-platform.js';
import { eventually } from '../../test/support/waiting.js';
import { projectionGroup } from '../projector/projection-group.js';
import { allProjections } from '../../projections/index.js';
import { ConsumerRunner, type BatchHandler } from '../events/consumer-runner.js';
import { LineagePublisher } from '../events/lineage-publisher.js';
import { Metrics } from '../observability/metrics.js';
import { checkpointOf } from '../events/consumer-store/index.js';
import { LineageProjection } from './lineage.consumer.js';
import { NatsLineageTransport } from './nats-transport.js';

describe('OpenLineage emitter over NATS', () => {
  let p: TestPlatform;
  let stream: ReturnType<typeof lineageStream>;
  const runners: ConsumerRunner[] = [];
  const start = (handler: BatchHandler) => {
    const runner = new ConsumerRunner(handler, {
      nats: p.nats,
      store: p.store,
      db: p.database.db,
      log: p.log,
      leaseTtlMs: 1500,
      instanceId: `i-${handler.name}`,
      batchSize: 5,
    });
    runners.push(runner);
    runner.start();
    return runner;
  };
  const emitter = (subject: string | null, name?: string, metrics?: Metrics) =>
    new LineageProjection({
      transports: [new NatsLineageTransport(new LineagePublisher(p.nats), subject)],
      context: LINEAGE_TEST_CONTEXT,
      log: p.log,
      ...(name ? { name } : {}),
      ...(metrics ? { metrics } : {}),
    });
  /** Every message on `subjectStart*` in a stream, in stream order, as raw strings. */
  const messagesIn = async (streamName: string, subjectStart: string) => {
    const info = await p.nats.jsm.streams.info(streamName);
    const bodies: string[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const message = await p.nats.jsm.streams.getMessage(streamName, { seq });
      if (message?.subject.startsWith(subjectStart)) bodies.push(message.string());
    }
    return bodies;
  };

  beforeAll(async () => {
    p = await createTestPlatform({ leaseTtlMs: 1500 });
    stream = lineageStream(p);
  });
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((runner) => runner.stop()));
  });
  afterAll(async () => {
    await p.dispose();
  });

  it('publishes the same JSON to <prefix>.lineage.<slug>, which every stream reader passes over', async () => {
    const prefix = p.nats.subjects.prefix;
    const last = await stream.append([ingestDefinition(), ...aCompleteRun('report'), ...aCompleteRun('audit')]);
    start(emitter(null));
    const expected = stream.expectedBodies();
    const published = await eventually(
      () => messagesIn(p.nats.subjects.streams.events, `${prefix}.lineage.`),
      (bodies) => bodies.length >= expected.length,
      15_000,
    );
    expect(published).toEqual(expected);
    expectValidOpenLineage(published.map((body) => JSON.parse(body)));
    const reportOnly = await messagesIn(p.nats.subjects.streams.events, `${prefix}.lineage.report`);
    expect(reportOnly).toEqual(expected.filter((body) => body.includes('"name":"report"')));

    // The read models read the same stream, now holding OpenLineage messages after `last`: they pass over them.
    const head = await p.store.lastSequence();
    expect(head).toBeGreaterThan(last);
    start(projectionGroup('read_models', allProjections));
    await eventually(
      () => checkpointOf(p.database.db, 'read_models'),
      (seq) => seq >= head,
      15_000,
    );
    await eventually(
      () => checkpointOf(p.database.db, 'lineage'),
      (seq) => seq >= head,
      15_000,
    );
    expect(await p.database.db.selectFrom('projection_dead_letter').select(['projection', 'seq']).execute()).toEqual(
      [],
    );
  });

  it('publishes to a subject of the operator’s choice once a stream captures it, and waits until then', async () => {
    const subject = `${p.nats.subjects.prefix}_ol.{slug}`;
    const streamName = `${p.nats.subjects.prefix.toUpperCase()}_OL`;
    await stream.append(aCompleteRun('billing'));
    const expected = stream.expectedBodies().filter((body) => body.includes('"name":"billing"'));
    const metrics = new Metrics(false);
    start(emitter(subject, 'lineage_custom', metrics));
    // No stream captures the subject yet: nothing is published and the checkpoint stays before the first event
    // that has OpenLineage to deliver (events before it map to nothing and may be passed, depending on batching).
    // Checked once the emitter has failed to deliver twice, not after a fixed wait (which a loaded machine can
    // spend before the first attempt).
    const firstEmitting = stream.appended.find((event) => stream.expectedBodies(event.seq, event.seq).length > 0)!.seq;
    const failedDeliveries = async () =>
      (await metrics.lineageDeliveryFailures.get()).values.reduce((sum, { value }) => sum + value, 0);
    await eventually(failedDeliveries, (failures) => failures >= 2, 15_000);
    expect(await checkpointOf(p.database.db, 'lineage_custom')).toBeLessThan(firstEmitting);
    await p.nats.jsm.streams.add({ name: streamName, subjects: [`${p.nats.subjects.prefix}_ol.>`] });
    try {
      const published = await eventually(
        () => messagesIn(streamName, `${p.nats.subjects.prefix}_ol.billing`),
        (bodies) => bodies.length >= expected.length,
        20_000,
      );
      expect(published).toEqual(expected);
    } finally {
      await p.nats.jsm.streams.delete(streamName).catch(() => undefined);
    }
  });

  it('refuses an event above max_payload for good and publishes the rest (no stall, no retry)', async () => {
    const transport = new NatsLineageTransport(new LineagePublisher(p.nats), null);
    const event = (slug: string, body: string) => ({
      seq: 1,
      sourceEventId: `e-${slug}`,
      sourceType: 'workflow.run.succeeded',
      subject: 'x',
      slug,
      parentRunId: `r-${slug}`,
      eventType: 'COMPLETE' as const,
      body,
    });
    const huge = event('huge', JSON.stringify({ pad: 'x'.repeat(p.nats.maxPayload) }));
    const small = event('small', JSON.stringify({ small: true }));
    const rejected = await transport.deliver([huge, small]);
    expect(rejected).toEqual([{ event: huge, error: expect.stringMatching(/^payload_too_large: /) }]);
    const prefix = p.nats.subjects.prefix;
    expect(await messagesIn(p.nats.subjects.streams.events, `${prefix}.lineage.small`)).toEqual([small.body]);
  });
});
