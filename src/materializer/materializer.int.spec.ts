import { derivedEventId, toEnvelope, type NewEvent } from '../events/envelope.js';
import type { ProcessManager } from '../events/consumer-runner.js';
import { RunIndex } from '../events/run-index.js';
import { TimerQueue } from '../events/timer-queue.js';
import { Metrics } from '../observability/metrics.js';
import type { Partitioning } from '../partitions/index.js';
import { RunRequester } from '../runs/run-requester.js';
import { RunStore } from '../runs/run-store.js';
import type { RunWaiting } from '../runs/run.events.js';
import type { WorkflowDefinition } from '../workflows/workflow-definition.js';
import { appendBackoffElapsed } from './materializer-timers.js';
import { createMaterializer, MATERIALIZER_CONSUMER } from './materializer.consumer.js';
import { testEventId } from '../../test/support/builders/lineage-events.js';
import { aStep, aWorkflow } from '../../test/support/builders/materializer-events.js';
import {
  ManagerWorld,
  type ManagerWorldOptions,
  persisted,
  readStream,
  streamContents,
  withShortDedupe,
} from '../../test/support/manager-world.js';
import { createTestPlatform, type TestPlatform } from '../../test/support/test-platform.js';

const T0 = Date.parse('2026-03-01T06:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const regions: Partitioning = { type: 'static', keys: ['eu', 'us'] };
const source = aWorkflow('source', [aStep('s', { produces: [{ assetId: 'asset.source', partitioning: regions }] })]);
const target = aWorkflow('target', [
  aStep('t', {
    consumes: ['asset.source'],
    produces: [{ assetId: 'asset.target', partitioning: regions, autoMaterialize: { onUpstreamUpdate: true } }],
  }),
]);
const prices = aWorkflow('prices', [
  aStep('fetch', { produces: [{ assetId: 'market.prices', partitioning: regions, autoMaterialize: {} }] }),
]);
const META = { correlationId: 'test', causationId: null, actor: 'test' };
const CONTEXT = { baseBackoffMs: 120_000, maxBackoffMs: 1_800_000, maxEventBytes: 1024 * 1024 };

/** One database and prefix with the materializer in a runner, fed by events the test appends as other writers would. */
class World extends ManagerWorld {
  private readonly requester: RunRequester;
  private readonly timers: TimerQueue;

  private constructor(p: TestPlatform, options: ManagerWorldOptions) {
    super(p, options);
    this.requester = new RunRequester(p.store, new RunIndex(p.nats), new RunStore(p.store));
    this.timers = new TimerQueue(p.nats, p.log);
  }

  static async open(options: ManagerWorldOptions): Promise<World> {
    const world = new World(await createTestPlatform({ leaseTtlMs: 1500 }), options);
    if (options.outage) await withShortDedupe(world.p);
    world.start();
    return world;
  }

  protected createManager(): ProcessManager {
    const consumer = createMaterializer({
      store: this.p.store,
      requester: this.requester,
      timers: this.timers,
      context: CONTEXT,
      metrics: new Metrics(false),
      log: this.p.log,
    });
    return consumer;
  }

  /** Settled, and the state written back with the checkpoint. */
  async written(): Promise<void> {
    await persisted(this.p, MATERIALIZER_CONSUMER, await this.settle());
  }

  async append(subject: string, event: NewEvent & { id: string }, occurredAt: string): Promise<void> {
    await this.p.store.append(subject, [toEnvelope(event, META, occurredAt)]);
  }

  define(workflow: WorkflowDefinition): Promise<void> {
    return this.append(
      this.p.nats.subjects.definition(workflow.slug),
      { id: testEventId('definition', workflow.slug), type: 'workflow.definition.updated', data: { workflow } },
      workflow.updatedAt,
    );
  }

  /** An upstream production of `asset.source` in a region. */
  produce(n: number, partitionKey: string): Promise<void> {
    return this.append(
      this.p.nats.subjects.asset('produced', 'asset.source'),
      {
        id: testEventId('production', n),
        type: 'asset.produced',
        data: {
          assetId: 'asset.source',
          workflowDefinitionId: source.id,
          workflowSlug: 'source',
          workflowRunId: testEventId('source-run', n),
          runKey: null,
          stepId: 's',
          producedAt: at(n),
          partitionKey,
          payload: { n },
          schema: null,
          freshness: null,
          parameters: { n },
        },
      },
      at(n),
    );
  }

  /** The end of an auto run of `target`, as the executor appends it. */
  end(runId: string, status: 'succeeded' | 'canceled', seconds: number): Promise<void> {
    const type = `workflow.run.${status}`;
    return this.append(
      this.p.nats.subjects.run('target', runId),
      {
        id: derivedEventId(runId, type),
        type,
        data: status === 'succeeded' ? { completedAt: at(seconds) } : { completedAt: at(seconds), reason: 'operator' },
      },
      at(seconds),
    );
  }

  /** A `report` run waiting for `market.prices` in a region (the executor names the producer). */
  wait(n: number, partitionKey: string): Promise<void> {
    const runId = testEventId('report-run', n);
    const data: RunWaiting = {
      stepId: 'load',
      assetId: 'market.prices',
      partitionKey,
      producerWorkflowSlug: 'prices',
      producerRunId: null,
      since: at(n),
      waitUntil: at(n + 600),
    };
    return this.append(
      this.p.nats.subjects.run('report', runId),
      { id: derivedEventId(runId, 'workflow.run.waiting', n), type: 'workflow.run.waiting', data },
      at(n),
    );
  }

  async close(): Promise<void> {
    await this.runner.stop();
    await this.p.dispose();
  }
}

const autoRun = (productionNumber: number, partitionKey: string) =>
  derivedEventId(testEventId('production', productionNumber), 'auto-run', 'target', partitionKey);

/** Upstream updates per partition, coalescing, a success with its follow-up, a cancel with backoff, a dependency. */
async function play(world: World): Promise<void> {
  for (const workflow of [source, target, prices]) await world.define(workflow);
  await world.produce(1, 'eu');
  await world.produce(2, 'us');
  await world.produce(3, 'eu');
  await world.settle();
  await world.interrupt(async () => {
    await world.produce(4, 'eu');
    await world.produce(5, 'us');
  });
  await world.end(autoRun(1, 'eu'), 'succeeded', 10);
  await world.end(autoRun(2, 'us'), 'canceled', 11);
  await world.wait(12, 'eu');
  await world.settle();
  await appendBackoffElapsed(
    world.p.store,
    { workflowSlug: 'target', partitionKey: 'us', nextEligibleAt: at(11 + 120) },
    new Date(T0 + 131_000),
  );
  await world.written();
}

async function materializerState(world: World) {
  const db = world.p.database.db;
  return {
    targets: await db
      .selectFrom('materializer_target')
      .select(['workflow_slug', 'partition_key', 'in_flight', 'pending', 'failures', 'next_eligible_at'])
      .orderBy('workflow_slug')
      .orderBy('partition_key')
      .execute(),
    runs: await db
      .selectFrom('materializer_run')
      .select(['run_id', 'workflow_slug', 'partition_key', 'status'])
      .orderBy('run_id')
      .execute(),
  };
}

describe('materializer restarted from Postgres (real NATS and Postgres)', () => {
  const worlds: World[] = [];
  const open = async (options: ManagerWorldOptions) => {
    const world = await World.open(options);
    worlds.push(world);
    return world;
  };
  afterAll(async () => {
    await Promise.all(worlds.map((world) => world.close()));
  });

  it('decides the same, appends the same and stores the same state after a restart or a crash', async () => {
    const [straight, restarted, crashed] = await Promise.all([
      open({ interruption: 'none' }),
      open({ interruption: 'restart' }),
      open({ interruption: 'crash' }),
    ]);
    await Promise.all([play(straight), play(restarted), play(crashed)]);
    const expected = streamContents(await readStream(straight.p), straight.p.nats.subjects.prefix);
    expect(expected.duplicateIds).toEqual([]);
    for (const world of [restarted, crashed]) {
      const contents = streamContents(await readStream(world.p), world.p.nats.subjects.prefix);
      expect(contents.duplicateIds).toEqual([]);
      expect(contents.histories).toEqual(expected.histories);
      expect(contents.ids).toEqual(expected.ids);
      expect(await materializerState(world)).toEqual(await materializerState(straight));
    }
    // What the scenario covers: 2 first runs, 3 coalesced, 1 follow-up, 1 deferral, 1 dependency run, 1 released.
    const decisions = (type: string) => expected.ids.filter((line) => line.startsWith(`materializer.trigger.${type} `));
    expect(decisions('enqueued')).toHaveLength(5);
    expect(decisions('coalesced')).toHaveLength(3);
    expect(decisions('deferred-backoff')).toHaveLength(1);
    expect(expected.ids.filter((line) => line.startsWith('workflow.run.requested '))).toHaveLength(5);
  });

  it('appends no decision twice when the replayed batch is older than the duplicate window', async () => {
    // The process clock plays no part: nothing tells the manager how long the outage was, only the stream does.
    const [straight, crashed] = await Promise.all([
      open({ interruption: 'none', outage: true }),
      open({ interruption: 'crash', outage: true }),
    ]);
    await Promise.all([play(straight), play(crashed)]);
    const expected = streamContents(await readStream(straight.p), straight.p.nats.subjects.prefix);
    const contents = streamContents(await readStream(crashed.p), crashed.p.nats.subjects.prefix);
    expect(contents.duplicateIds).toEqual([]);
    expect(contents.histories).toEqual(expected.histories);
    expect(contents.ids).toEqual(expected.ids);
  });
});
