import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { aRecordedAsset, aRunStory } from '../../test/support/builders/lineage-events.js';
import { aCompleteRun, ingestDefinition, lineageStream } from '../../test/support/lineage-stream.js';
import { aStep } from '../../test/support/builders/materializer-events.js';
import { byWorkflowRun, startLineageReceiver } from '../../test/support/lineage-receiver.js';
import { expectValidOpenLineage } from '../../test/support/openlineage-schema.js';
import { createTestPlatform, type TestPlatform } from '../../test/support/test-platform.js';
import { eventually } from '../../test/support/waiting.js';
import { ConsumerRunner } from '../events/consumer-runner.js';
import type { StoredEvent } from '../events/envelope.js';
import { isTransientError } from '../events/transient-error.js';
import { checkpointOf } from '../events/consumer-store/index.js';
import { canonicalJson } from './canonical-json.js';
import { HttpLineageTransport } from './http-transport.js';
import { LineageProjection } from './lineage.consumer.js';
import { LineageDeliveryStalledError } from './lineage-transport.js';

const context = { jobNamespace: 'apphub', datasetNamespace: 'apphub' };

describe('OpenLineage emitter over HTTP (real NATS, Postgres and receiver)', () => {
  let p: TestPlatform;
  let receiver: Awaited<ReturnType<typeof startLineageReceiver>>;
  const runners: ConsumerRunner[] = [];
  let stream: ReturnType<typeof lineageStream>;

  const startEmitter = (instanceId: string, timeoutMs = 2000) => {
    const transport = new HttpLineageTransport({
      url: receiver.url,
      endpoint: '/api/v1/lineage',
      apiKey: 'lineage-key',
      timeoutMs,
      unavailableAttempts: 3,
      baseDelayMs: 20,
    });
    const consumer = new LineageProjection({ transports: [transport], context, log: p.log });
    const runner = new ConsumerRunner(consumer, {
      nats: p.nats,
      store: p.store,
      db: p.database.db,
      log: p.log,
      leaseTtlMs: 1500,
      instanceId,
      batchSize: 4,
    });
    runners.push(runner);
    runner.start();
    return runner;
  };
  const stopAll = async () => {
    await Promise.all(runners.splice(0).map((runner) => runner.stop()));
  };
  const append = (events: StoredEvent[]) => stream.append(events);
  const expectedBodies = () => stream.expectedBodies();
  const appended = { find: (match: (event: StoredEvent) => boolean) => stream.appended.find(match) };
  const aRun = (steps = [aStep('load', { consumes: ['raw.orders'], produces: [{ assetId: 'sales.daily' }] })]) =>
    aRunStory({ slug: 'report', runId: uuidv7(), steps });
  const fullRun = () => aCompleteRun();

  beforeAll(async () => {
    p = await createTestPlatform({ leaseTtlMs: 1500 });
    stream = lineageStream(p);
    receiver = await startLineageReceiver();
    await append([ingestDefinition()]);
  });
  afterEach(stopAll);
  afterAll(async () => {
    await receiver.close();
    await p.dispose();
  });

  it('delivers every event once, valid, with no gap and the same bytes across a restart of the emitter', async () => {
    receiver.accepted.length = 0;
    const open = aRun();
    let last = await append([...fullRun(), open.requested(), open.started(), open.dispatched('load')]);
    let runner = startEmitter('emitter-1');
    expect(await runner.waitFor(last, 15_000)).toBe(true);
    await stopAll();
    // The open run's step completes while no emitter runs; a new one hydrates its state and goes on.
    last = await append([open.succeeded('load', [aRecordedAsset('sales.daily')]), open.runSucceeded(), ...fullRun()]);
    runner = startEmitter('emitter-2');
    expect(await runner.waitFor(last, 15_000)).toBe(true);

    const expected = expectedBodies();
    expect(receiver.accepted).toHaveLength(expected.length);
    expect(byWorkflowRun(receiver.accepted)).toEqual(byWorkflowRun(expected));
    expectValidOpenLineage(receiver.accepted.map((body) => JSON.parse(body)));
    expect(receiver.requests.every((request) => request.authorization === 'Bearer lineage-key')).toBe(true);
    expect(await p.database.db.selectFrom('lineage_run').select('run_id').execute()).toEqual([]);
  });

  it('stalls while the receiver answers 503 and catches up with identical content, dead-lettering nothing', async () => {
    receiver.accepted.length = 0;
    const before = expectedBodies().length;
    receiver.setMode(503);
    const last = await append(fullRun());
    startEmitter('emitter-3');
    await eventually(
      async () => receiver.requests.filter((request) => request.status === 503).length,
      (count) => count >= 6,
      15_000,
    );
    expect(await checkpointOf(p.database.db, 'lineage')).toBeLessThan(last);
    receiver.setMode(201);
    await eventually(
      () => checkpointOf(p.database.db, 'lineage'),
      (seq) => seq >= last,
      20_000,
    );

    const expected = expectedBodies().slice(before);
    expect(byWorkflowRun(receiver.accepted)).toEqual(byWorkflowRun(expected));
    const deadLetters = await p.database.db.selectFrom('projection_dead_letter').select('projection').execute();
    expect(deadLetters).toEqual([]);
  });

  it('dead-letters an event the receiver keeps refusing (4xx) under the consumer name and moves on', async () => {
    receiver.accepted.length = 0;
    receiver.setMode((body) => (body.includes('"eventType":"COMPLETE"') && body.includes('report.load') ? 422 : 201));
    const run = fullRun();
    const last = await append(run);
    startEmitter('emitter-4');
    await eventually(
      () => checkpointOf(p.database.db, 'lineage'),
      (seq) => seq >= last,
      15_000,
    );
    const letters = await p.database.db
      .selectFrom('projection_dead_letter')
      .select(['projection', 'seq', 'event_type', 'error', 'body'])
      .execute();
    const succeeded = appended.find((event) => event.id === run[3]!.id)!;
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      projection: 'lineage',
      seq: succeeded.seq,
      event_type: 'workflow.step.succeeded',
    });
    expect(letters[0]!.error).toMatch(/^COMPLETE: HTTP 422/);
    const refused = JSON.parse(letters[0]!.body) as unknown[];
    expect(refused.map((event) => canonicalJson(event))).toEqual(
      expectedBodies()
        .filter((body) => body.includes('"eventType":"COMPLETE"') && body.includes('report.load'))
        .slice(-1),
    );
    expect(
      receiver.accepted.some((body) => body.includes('"eventType":"COMPLETE"') && body.includes('"name":"report"')),
    ).toBe(true);
    receiver.setMode(201);
    await p.database.db.deleteFrom('projection_dead_letter').execute();
  });

  it('delivers outside any transaction and moves the checkpoint after delivery', async () => {
    receiver.accepted.length = 0;
    const before = expectedBodies().length;
    // The first two requests fail (the transport retries with backoff), the third is held until the test releases it.
    let requests = 0;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    receiver.setMode(async () => {
      requests += 1;
      if (requests <= 2) return 503;
      if (requests === 3) await released;
      return 201;
    });
    const last = await append(fullRun());
    try {
      startEmitter('emitter-5', 30_000);
      await eventually(
        async () => requests,
        (count) => count >= 3,
        15_000,
      );
      // Every backend of the test database but this query's: none is inside a transaction while delivery waits.
      const { rows } = await sql<{ pid: number; state: string | null; query: string }>`
        select pid, state, query from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid() and xact_start is not null`.execute(
        p.database.db,
      );
      expect(rows).toEqual([]);
      expect(await checkpointOf(p.database.db, 'lineage')).toBeLessThan(last);
    } finally {
      release();
    }
    await eventually(
      () => checkpointOf(p.database.db, 'lineage'),
      (seq) => seq >= last,
      15_000,
    );
    expect(byWorkflowRun(receiver.accepted)).toEqual(byWorkflowRun(expectedBodies().slice(before)));
    expect(await p.database.db.selectFrom('projection_dead_letter').select('seq').execute()).toEqual([]);
    receiver.setMode(201);
  });

  it('classifies a stalled delivery as an infrastructure failure (retried, never dead-lettered)', () => {
    expect(isTransientError(new LineageDeliveryStalledError('http', 'HTTP 503'))).toBe(true);
  });
});
