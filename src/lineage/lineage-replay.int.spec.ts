import {
  aCompleteRun,
  ingestDefinition,
  LINEAGE_TEST_CONTEXT,
  lineageStream,
} from '../../test/support/lineage-stream.js';
import { byWorkflowRun, startLineageReceiver } from '../../test/support/lineage-receiver.js';
import { createTestPlatform, type TestPlatform } from '../../test/support/test-platform.js';
import { eventually } from '../../test/support/waiting.js';
import { ConsumerRunner } from '../events/consumer-runner.js';
import { checkpointOf } from '../events/consumer-store/index.js';
import { HttpLineageTransport } from './http-transport.js';
import { LineageProjection } from './lineage.consumer.js';
import { listLineageDeadLetters, redeliverLineageDeadLetters } from './lineage-dead-letters.js';
import { replayLineage } from './lineage-replay.js';

describe('OpenLineage replay and dead letters', () => {
  let p: TestPlatform;
  let live: Awaited<ReturnType<typeof startLineageReceiver>>;
  let replayed: Awaited<ReturnType<typeof startLineageReceiver>>;
  let stream: ReturnType<typeof lineageStream>;
  const deps = () => ({ db: p.database.db, events: p.events, store: p.store, log: p.log });
  const transportTo = (url: string) =>
    new HttpLineageTransport({ url, endpoint: 'api/v1/lineage', apiKey: null, timeoutMs: 2000, baseDelayMs: 10 });

  beforeAll(async () => {
    p = await createTestPlatform({ leaseTtlMs: 1500 });
    stream = lineageStream(p);
    live = await startLineageReceiver();
    replayed = await startLineageReceiver();
    // The third run's step completion is refused by the live receiver: it becomes a dead letter.
    const refusedRun = aCompleteRun('refused');
    live.setMode((body) => (body.includes('"eventType":"COMPLETE"') && body.includes('refused.load') ? 400 : 201));
    const last = await stream.append([ingestDefinition(), ...aCompleteRun(), ...aCompleteRun(), ...refusedRun]);
    const runner = new ConsumerRunner(
      new LineageProjection({ transports: [transportTo(live.url)], context: LINEAGE_TEST_CONTEXT, log: p.log }),
      {
        nats: p.nats,
        store: p.store,
        db: p.database.db,
        log: p.log,
        leaseTtlMs: 1500,
        instanceId: 'live',
        batchSize: 3,
      },
    );
    runner.start();
    await eventually(
      () => checkpointOf(p.database.db, 'lineage'),
      (seq) => seq >= last,
      15_000,
    );
    await runner.stop();
  });
  afterAll(async () => {
    await live.close();
    await replayed.close();
    await p.dispose();
  });

  it('re-emits exactly what the live emitter sent, byte for byte, without touching its state', async () => {
    replayed.accepted.length = 0;
    const liveState = () =>
      Promise.all([
        checkpointOf(p.database.db, 'lineage'),
        p.database.db.selectFrom('lineage_emitter').select('generation').execute(),
      ]);
    const before = await liveState();
    const result = await replayLineage(deps(), {
      transports: [transportTo(replayed.url)],
      context: LINEAGE_TEST_CONTEXT,
    });
    expect(await liveState()).toEqual(before);
    const everything = stream.expectedBodies();
    expect(result.emitted).toBe(everything.length);
    expect(byWorkflowRun(replayed.accepted)).toEqual(byWorkflowRun(everything));
    const liveWithRefused = [
      ...live.accepted,
      ...(await listLineageDeadLetters(p.database.db)).flatMap((l) => l.events.map((e) => e.body)),
    ];
    expect(new Set(replayed.accepted)).toEqual(new Set(liveWithRefused));
    const leftovers = await p.database.db
      .selectFrom('projection_checkpoint')
      .select('name')
      .where('name', 'like', 'lineage_replay%')
      .execute();
    expect(leftovers).toEqual([]);
  });

  it('re-emits only the events caused from --from-seq on', async () => {
    replayed.accepted.length = 0;
    const fromSeq = stream.appended[8]!.seq;
    const result = await replayLineage(deps(), {
      transports: [transportTo(replayed.url)],
      context: LINEAGE_TEST_CONTEXT,
      fromSeq,
    });
    const expected = stream.expectedBodies(fromSeq);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(stream.expectedBodies().length);
    expect(result.emitted).toBe(expected.length);
    expect(byWorkflowRun(replayed.accepted)).toEqual(byWorkflowRun(expected));
  });

  it('lists a refused event and redelivers it unchanged once the receiver accepts it', async () => {
    const [letter] = await listLineageDeadLetters(p.database.db);
    expect(letter).toMatchObject({ eventType: 'workflow.step.succeeded' });
    expect(letter!.events.map((event) => event.eventType)).toEqual(['COMPLETE']);
    live.setMode(201);
    live.accepted.length = 0;
    const result = await redeliverLineageDeadLetters(p.database.db, [transportTo(live.url)]);
    expect(result).toEqual({ delivered: [letter!.seq], refused: [] });
    expect(live.accepted).toEqual([letter!.events[0]!.body]);
    expect(await listLineageDeadLetters(p.database.db)).toEqual([]);
  });
});
