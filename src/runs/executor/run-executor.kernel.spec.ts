import { subjectsFor } from '../../events/subjects.js';
import { aDefinitionEvent } from '../../../test/support/builders/lineage-events.js';
import { aStep, aWorkflow } from '../../../test/support/builders/materializer-events.js';
import {
  aRun,
  complete,
  definitions,
  givenExecutor,
  plain,
  produced,
} from '../../../test/support/executor-scenario.js';
import { MemoryExecutorStore, TEST_EXECUTOR_CONTEXT, typesOf } from '../../../test/support/executor-world.js';
import { givenManager, KernelWorld } from '../../../test/support/manager-spec.js';
import { MemoryLog } from '../../../test/support/memory-log.js';
import { runExecutorDefinition } from './run-executor.definition.js';

const world = () => {
  const log = new MemoryLog();
  return new KernelWorld(
    runExecutorDefinition(subjectsFor('apphub'), TEST_EXECUTOR_CONTEXT),
    new MemoryExecutorStore(log),
    log,
  );
};

/** The run executor as it ships (definition on the kernel), given/when/then over batches (STYLE §10). */
describe('run executor (kernel)', () => {
  it('starts a requested run, dispatches its first step once the event is stored, and folds it back', async () => {
    const run = aRun(plain);
    const done = await givenManager(world, definitions())
      .when(run.requested())
      .then({
        appends: ['workflow.run.started', 'workflow.step.dispatched'],
        state: (state) => expect(state.executor.runs.get(run.runId)?.status).toBe('running'),
      });
    expect(done.calls).toEqual([
      expect.objectContaining({ type: 'DispatchJob', job: expect.objectContaining({ stepId: 'a', attempt: 1 }) }),
    ]);
  });

  it('decides nothing again when its own events come back, and dispatches nothing twice', async () => {
    const run = aRun(plain);
    const spec = givenManager(world, definitions());
    await spec.when(run.requested()).outcome;
    const w = await spec.world;
    expect(await w.step()).toEqual({ appended: [], calls: [] });
  });

  it('declares the rows of a queued run a finished run lets start, so it decides on them with a cold cache', async () => {
    const gatedReport = aWorkflow('gated-report', [aStep('load', { consumes: ['market.prices'] })]);
    const context = { ...TEST_EXECUTOR_CONTEXT, maxConcurrentAutoRuns: 1 };
    const first = aRun(gatedReport, { auto: true, priority: 1, partitionKey: 'eu' });
    const queued = aRun(gatedReport, { auto: true, priority: 2, partitionKey: 'us' });
    const world = await givenExecutor(
      [
        ...definitions(),
        aDefinitionEvent(gatedReport),
        produced('eu'),
        produced('us'),
        first.requested(),
        queued.requested(),
      ],
      context,
    );
    expect(world.readRun(queued.subject)!.status).toBe('pending');
    // A new process: nothing of the availability is cached, the queued run is not named by the next batch.
    const restarted = await world.restart(await world.snapshot());
    complete(restarted, first, 'load', 'succeeded');
    const decided = (await restarted.runUntilIdle()).flatMap((outcome) => outcome.appended);
    expect(typesOf(decided.filter((event) => event.subject === queued.subject))).toEqual([
      'workflow.run.started',
      'workflow.step.dispatched',
    ]);
  });
});
