import { aDefinitionEvent } from '../../../test/support/builders/lineage-events.js';
import { aStep, aWorkflow } from '../../../test/support/builders/materializer-events.js';
import {
  aRun,
  at,
  complete,
  definitions,
  gated,
  produced,
  report,
  summary,
} from '../../../test/support/executor-scenario.js';
import {
  dispatchesOf,
  ExecutorWorld,
  TEST_EXECUTOR_CONTEXT,
  type ExecutorSnapshot,
} from '../../../test/support/executor-world.js';

describe('run executor restarts', () => {
  it('decides the same after restarts from its snapshots as an executor that never stopped', async () => {
    const straight = await drive('never');
    const restarted = await drive('after every batch');
    const crashed = await drive('after effects, before the write');
    for (const world of [restarted, crashed]) {
      expect(idsOf(world)).toEqual(idsOf(straight));
      expect(finalRuns(world)).toEqual(finalRuns(straight));
      expect(JSON.stringify(active(world))).toBe(JSON.stringify(active(straight)));
      expect(new Set(dispatchesOf(world.followUps))).toEqual(new Set(dispatchesOf(straight.followUps)));
    }
    // The scenario exercised what it should.
    expect(finalRuns(straight)).toMatchObject({ failed: 2, succeeded: 4, running: 1 });
    expect(idsOf(straight).size).toBe(straight.stream.length);
  });
});

type Interruption = 'never' | 'after every batch' | 'after effects, before the write';

/**
 * One scenario (waits, resumes, relays, a failure with skips, gated auto runs, retries), decided in batches of 3:
 * straight through, or with a restart from the last written snapshot after every batch, or with a crash after each
 * second batch's effects were stored but before its state was written (the restart replays that batch).
 */
async function drive(interruption: Interruption): Promise<ExecutorWorld> {
  let world = await ExecutorWorld.open({ ...TEST_EXECUTOR_CONTEXT, maxConcurrentAutoRuns: 1 });
  const written: ExecutorSnapshot[] = [await world.snapshot()];
  let batches = 0;
  const settle = async () => {
    while (await world.step(3)) {
      batches += 1;
      if (interruption === 'after effects, before the write' && batches % 2 === 0) {
        world = await world.restart(written[written.length - 1]!);
        continue;
      }
      written.push(await world.snapshot());
      if (interruption === 'after every batch') world = await world.restart(written[written.length - 1]!);
    }
  };
  const [eu, us, sum, g1, g2, p] = ids as [Ref, Ref, Ref, Ref, Ref, Ref];
  world.add(...scenarioDefinitions, ...scenarioRequests);
  await settle();
  world.add(produced('eu', 20));
  await settle();
  complete(world, eu, 'load', 'succeeded', {
    result: { assets: [{ assetId: 'report.daily', payload: { n: 1 } }] },
    now: at(30),
  });
  complete(world, g1, 'x', 'succeeded', { now: at(31) });
  complete(world, p, 'a', 'failed', { now: at(32) });
  await settle();
  complete(world, eu, 'render', 'succeeded', { now: at(40) });
  complete(world, eu, 'mail', 'succeeded', { now: at(41) });
  world.command(p.slug, p.runId, { type: 'DispatchRetry', stepId: 'a', attempt: 2, now: at(42) });
  await settle();
  complete(world, eu, 'archive', 'succeeded', { now: at(50) });
  complete(world, g2, 'x', 'failed', { now: at(51) });
  complete(world, p, 'a', 'succeeded', { attempt: 2, now: at(52) });
  world.add(produced('us', 55));
  await settle();
  complete(world, us, 'load', 'failed', { now: at(60) });
  complete(world, sum, 'sum', 'succeeded', { now: at(61) });
  complete(world, p, 'b', 'succeeded', { now: at(62) });
  await settle();
  return world;
}

type Ref = { slug: string; runId: string; subject: string };
const retried = aWorkflow('retried', [
  aStep('a', { retries: 1, retryBackoffMs: 500 }),
  aStep('b', { dependsOn: ['a'] }),
]);
const scenarioDefinitions = [...definitions(), aDefinitionEvent(retried)];
const scenarioRuns = [
  aRun(report, { partitionKey: 'eu' }),
  aRun(report, { partitionKey: 'us' }),
  aRun(summary),
  aRun(gated, { auto: true, priority: 1 }),
  aRun(gated, { auto: true, priority: 2 }),
  aRun(retried),
  aRun(gated, { auto: true, priority: 3 }),
];
const ids: Ref[] = scenarioRuns.map(({ slug, runId, subject }) => ({ slug, runId, subject }));
const scenarioRequests = scenarioRuns.map((run) => run.requested());

const idsOf = (world: ExecutorWorld) => new Set(world.stream.map((event) => event.id));
function finalRuns(world: ExecutorWorld): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { subject } of ids) {
    const status = world.readRun(subject)?.status ?? 'missing';
    counts[status] = (counts[status] ?? 0) + 1;
  }
  return counts;
}
const active = (world: ExecutorWorld) =>
  [...world.state.runs.values()].sort((a, b) => (a.request.runId < b.request.runId ? -1 : 1));
