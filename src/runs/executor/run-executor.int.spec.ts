import { sql } from 'kysely';
import { toEnvelope } from '../../events/envelope.js';
import { JobQueue } from '../../events/job-queue.js';
import { RunIndex } from '../../events/run-index.js';
import { TimerQueue } from '../../events/timer-queue.js';
import type { ProcessManager } from '../../events/consumer-runner.js';
import { Metrics } from '../../observability/metrics.js';
import type { Partitioning } from '../../partitions/index.js';
import type { WorkflowDefinition } from '../../workflows/workflow-definition.js';
import { RunRequester } from '../run-requester.js';
import { RunStore } from '../run-store.js';
import type { RunStatus } from '../run-state.js';
import type { RunCommand } from '../run.decider.js';
import { createRunExecutor, RUN_EXECUTOR } from './run-executor.consumer.js';
import { testEventId } from '../../../test/support/builders/lineage-events.js';
import { aStep, aWorkflow } from '../../../test/support/builders/materializer-events.js';
import {
  ManagerWorld,
  type ManagerWorldOptions,
  readStream,
  streamContents,
  withShortDedupe,
} from '../../../test/support/manager-world.js';
import { createTestPlatform, type TestPlatform } from '../../../test/support/test-platform.js';
import { runSnapshot } from '../run-snapshot.js';

const T0 = Date.parse('2026-02-01T08:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const regions: Partitioning = { type: 'static', keys: ['eu', 'us'] };
const prices = aWorkflow('prices', [
  aStep('fetch', { produces: [{ assetId: 'market.prices', partitioning: regions }] }),
]);
const report = aWorkflow('report', [
  aStep('load', { consumes: ['market.prices'], produces: [{ assetId: 'report.daily', partitioning: regions }] }),
  aStep('render', { dependsOn: ['load'] }),
  aStep('mail', { dependsOn: ['load'] }),
]);
const plain = aWorkflow('plain', [aStep('a'), aStep('b', { dependsOn: ['a'] })]);
const gated = aWorkflow('gated', [aStep('x')]);
const META = { correlationId: 'test', causationId: null, actor: 'test' };

/**
 * One database and subject prefix with the command side (run requests, completions) and the run executor in a
 * runner, driven through a fixed scenario; the executor is restarted (graceful) or crashed (after a batch's effects,
 * before its state was written) in the middle, then a new executor hydrates from Postgres and carries on.
 */
class World extends ManagerWorld {
  readonly runs: RunStore;
  private readonly requester: RunRequester;
  private readonly index: RunIndex;

  private constructor(p: TestPlatform, options: ManagerWorldOptions) {
    super(p, options);
    this.index = new RunIndex(p.nats);
    this.runs = new RunStore(p.store);
    this.requester = new RunRequester(p.store, this.index, this.runs);
  }

  static async open(options: ManagerWorldOptions): Promise<World> {
    const world = new World(await createTestPlatform({ leaseTtlMs: 1500 }), options);
    if (options.outage) await withShortDedupe(world.p);
    world.start();
    return world;
  }

  protected createManager(): ProcessManager {
    const executor = createRunExecutor({
      store: this.p.store,
      jobs: new JobQueue(this.p.nats, this.p.log),
      timers: new TimerQueue(this.p.nats, this.p.log),
      runIndex: this.index,
      context: { dependencyWaitMs: 600_000, maxConcurrentAutoRuns: 1 },
      metrics: new Metrics(false),
    });
    return executor;
  }

  async define(workflow: WorkflowDefinition): Promise<void> {
    const envelope = toEnvelope(
      { id: testEventId('definition', workflow.slug), type: 'workflow.definition.updated', data: { workflow } },
      META,
      workflow.updatedAt,
    );
    await this.p.store.append(this.p.nats.subjects.definition(workflow.slug), [envelope]);
  }

  async request(workflow: WorkflowDefinition, n: number, options: { partitionKey?: string; priority?: number } = {}) {
    const runId = testEventId('run', workflow.slug, n);
    await this.requester.request(
      {
        workflow,
        runId,
        partitionKey: options.partitionKey ?? null,
        parameters: {},
        runKey: null,
        triggeredBy: null,
        trigger: options.priority === undefined ? { type: 'manual' } : { type: 'auto-materialize' },
        priority: options.priority ?? null,
      },
      META,
      at(n),
    );
    return { slug: workflow.slug, runId };
  }

  async command(run: { slug: string; runId: string }, command: RunCommand): Promise<void> {
    await this.runs.execute(run.slug, run.runId, command, META, 'now' in command ? command.now : at(0));
  }

  complete(
    run: { slug: string; runId: string },
    stepId: string,
    status: 'succeeded' | 'failed',
    seconds: number,
    result?: unknown,
  ): Promise<void> {
    return this.command(run, {
      type: 'CompleteStep',
      stepId,
      attempt: 1,
      status,
      ...(result === undefined ? {} : { result }),
      ...(status === 'failed' ? { error: { code: 'job_error', message: 'exit 1' } } : {}),
      now: at(seconds),
    });
  }

  /** The one of these runs that is running now. */
  async running(runs: Array<{ slug: string; runId: string }>): Promise<{ slug: string; runId: string }> {
    const states = await Promise.all(runs.map((run) => this.runs.load(run.slug, run.runId)));
    const running = runs.filter((_, index) => states[index]?.status === 'running');
    if (running.length !== 1) throw new Error(`expected one running run, found ${running.length}`);
    return running[0]!;
  }

  async close(): Promise<void> {
    await this.runner.stop();
    await this.p.dispose();
  }
}

/**
 * Waits, resumes through relayed assets, a failure that skips two dependants, gated auto runs: the same requests and
 * completions (same ids, same instants) in every world, with one interruption in the middle.
 */
async function play(world: World): Promise<void> {
  for (const workflow of [prices, report, plain, gated]) await world.define(workflow);
  const eu = await world.request(report, 1, { partitionKey: 'eu' });
  const us = await world.request(report, 2, { partitionKey: 'us' });
  const p = await world.request(plain, 3);
  const g = [await world.request(gated, 4, { priority: 2 }), await world.request(gated, 5, { priority: 1 })];
  const fetchEu = await world.request(prices, 6, { partitionKey: 'eu' });
  await world.settle();
  await world.complete(p, 'a', 'succeeded', 10);
  // One gated run runs at a time (which one first depends on the batches that saw their requests).
  await world.complete(await world.running(g), 'x', 'succeeded', 11);
  await world.settle();
  await world.interrupt(async () => {
    await world.complete(fetchEu, 'fetch', 'succeeded', 12, { assets: [{ assetId: 'market.prices', payload: {} }] });
  });
  await world.complete(eu, 'load', 'succeeded', 20, { assets: [{ assetId: 'report.daily', payload: { n: 1 } }] });
  await world.complete(p, 'b', 'failed', 21);
  await world.complete(await world.running(g), 'x', 'succeeded', 22);
  await world.settle();
  await world.complete(eu, 'render', 'succeeded', 30);
  await world.complete(eu, 'mail', 'succeeded', 31);
  const fetchUs = await world.request(prices, 7, { partitionKey: 'us' });
  await world.settle();
  await world.complete(fetchUs, 'fetch', 'succeeded', 40, { assets: [{ assetId: 'market.prices', payload: {} }] });
  await world.settle();
  await world.complete(us, 'load', 'failed', 50);
  await world.settle();
}

async function statuses(world: World): Promise<Record<string, string>> {
  const rows = await world.p.database.db.selectFrom('run_executor_run').select(['run_id', 'state']).execute();
  const active = Object.fromEntries(rows.map((row) => [row.run_id, runSnapshot.decode(row.state).status]));
  const events = await readStream(world.p);
  const ends = events.filter((e) => /^workflow\.run\.(succeeded|failed|canceled)$/.test(e.type));
  for (const end of ends) active[end.subject.split('.').pop()!] = end.type.split('.').pop() as RunStatus;
  return active;
}

describe('run executor restarted from Postgres (real NATS and Postgres)', () => {
  const worlds: World[] = [];
  const open = async (options: ManagerWorldOptions) => {
    const world = await World.open(options);
    worlds.push(world);
    return world;
  };
  afterAll(async () => {
    await Promise.all(worlds.map((world) => world.close()));
  });

  it('appends the same events and ends in the same state after a restart or a crash as straight through', async () => {
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
      expect(await statuses(world)).toEqual(await statuses(straight));
    }
    // The scenario did what it says: relays, skips, both gated runs, a resume of each waiting run.
    const count = (type: string) => expected.ids.filter((line) => line.startsWith(`${type} `)).length;
    expect(count('asset.produced')).toBe(3);
    expect(count('workflow.step.skipped')).toBe(2);
    expect(expected.histories.join('\n').match(/workflow\.run\.resumed/g)).toHaveLength(2);
    expect(Object.values(await statuses(straight)).sort()).toEqual([
      'failed',
      'failed',
      'succeeded',
      'succeeded',
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
  });

  it('appends nothing twice when the replayed batch is older than the duplicate window', async () => {
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

  it('continues a run its stored state lost (an older state) from the run’s events', async () => {
    const world = await open({ interruption: 'none' });
    for (const workflow of [prices, report, plain, gated]) await world.define(workflow);
    const run = await world.request(plain, 1);
    await world.settle();
    await world.runner.stop();
    await sql`delete from run_executor_run where run_id = ${run.runId}`.execute(world.p.database.db);
    world.start();
    await world.complete(run, 'a', 'succeeded', 5);
    await world.settle();
    const state = await world.runs.load(run.slug, run.runId);
    expect(state!.steps.b!.status).toBe('running');
    const checkpoint = await world.p.database.db
      .selectFrom('projection_checkpoint')
      .select('last_seq')
      .where('name', '=', RUN_EXECUTOR)
      .executeTakeFirstOrThrow();
    expect(checkpoint.last_seq).toBeGreaterThan(0);
  });
});
