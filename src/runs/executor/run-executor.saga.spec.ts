import { checkEventId, producedEventId } from '../../assets/asset-relay.js';
import { TimerQueue } from '../../events/timer-queue.js';
import type { StoredEvent } from '../../events/envelope.js';
import type { RunWaiting } from '../run.events.js';
import { aDefinitionEvent } from '../../../test/support/builders/lineage-events.js';
import { aStep, aWorkflow, aWorkflowDefined } from '../../../test/support/builders/materializer-events.js';
import {
  aRun,
  at,
  complete,
  definitions,
  gated,
  givenExecutor,
  plain,
  prices,
  produced,
  report,
  stepStatuses,
  summary,
} from '../../../test/support/executor-scenario.js';
import { dispatchesOf, ExecutorWorld, typesOf, TEST_EXECUTOR_CONTEXT } from '../../../test/support/executor-world.js';
import { MemoryLog } from '../../../test/support/memory-log.js';
import { givenSaga } from '../../../test/support/saga-spec.js';
import { followUpsOf } from './run-follow-ups.js';

describe('run executor decider (foldBatch + decideRuns)', () => {
  describe('when a run is requested', () => {
    it('starts it, dispatches its first step, and dispatches the job once the event is stored', async () => {
      const world = await givenExecutor(definitions());
      const run = aRun(plain);
      world.add(run.requested());
      const outcome = (await world.step())!;
      expect(typesOf(outcome.appended)).toEqual(['workflow.run.started', 'workflow.step.dispatched']);
      expect(outcome.appended[1]!.data).toMatchObject({ stepId: 'a', attempt: 1 });
      expect(dispatchesOf(outcome.followUps)).toEqual([`${run.runId}:a:1`]);
      // Its own events read back from the stream decide nothing again and dispatch nothing again.
      const echo = (await world.step())!;
      expect(echo.appended).toEqual([]);
      expect(echo.followUps).toEqual([]);
    });

    it('starts gated auto runs by priority (lower first, none last) within the cap, the rest as slots free', async () => {
      const world = await givenExecutor(definitions(), { ...TEST_EXECUTOR_CONTEXT, maxConcurrentAutoRuns: 2 });
      const auto = (priority: number | null) => aRun(gated, { auto: true, priority });
      const [p5, none, p1, p3] = [auto(5), auto(null), auto(1), auto(3)];
      world.add(...[p5, none, p1, p3].map((run) => run.requested()));
      const started = () => world.stream.filter((e) => e.type === 'workflow.run.started').map((e) => e.subject);
      await world.runUntilIdle();
      expect(started()).toEqual([p1.subject, p3.subject]);
      complete(world, p1, 'x', 'succeeded');
      await world.runUntilIdle();
      expect(started()).toEqual([p1.subject, p3.subject, p5.subject]);
      complete(world, p3, 'x', 'failed');
      await world.runUntilIdle();
      expect(started()).toEqual([p1.subject, p3.subject, p5.subject, none.subject]);
    });
  });

  describe('when a step fails for good', () => {
    it('skips every pending dependant with an event id of its own, then fails the run (issue 8 item 1)', async () => {
      const world = await givenExecutor(definitions());
      const run = aRun(report, { partitionKey: 'eu' });
      world.add(produced('eu', 1), run.requested());
      await world.runUntilIdle();
      complete(world, run, 'load', 'failed');
      const outcome = (await world.step())!;
      expect(typesOf(outcome.appended)).toEqual([
        'workflow.step.skipped',
        'workflow.step.skipped',
        'workflow.step.skipped',
        'workflow.run.failed',
      ]);
      const ids = outcome.appended.map((event) => event.id);
      expect(new Set(ids).size).toBe(ids.length);
      // The stream (which drops a second event with a known id, like Nats-Msg-Id) holds every skip.
      expect(stepStatuses(world, run.subject)).toEqual({
        load: 'failed',
        render: 'skipped',
        mail: 'skipped',
        archive: 'skipped',
      });
      expect(world.readRun(run.subject)!.status).toBe('failed');
      expect(world.state.runs.has(run.runId)).toBe(false);
    });
  });

  describe('when a consumed asset is missing', () => {
    it('waits for the run’s partition, names the producer run the materializer will request, and arms the bound', async () => {
      const world = await givenExecutor(definitions());
      const run = aRun(report, { partitionKey: 'eu' });
      world.add(produced('us'), run.requested());
      const outcome = (await world.step())!;
      expect(typesOf(outcome.appended)).toEqual(['workflow.run.started', 'workflow.run.waiting']);
      const waiting = outcome.appended[1]! as StoredEvent<string, RunWaiting>;
      expect(waiting.data).toMatchObject({
        stepId: 'load',
        assetId: 'market.prices',
        partitionKey: 'eu',
        producerWorkflowSlug: 'prices',
        since: at(0),
        waitUntil: at(600),
      });
      expect(outcome.followUps).toEqual([
        expect.objectContaining({
          type: 'ArmTimer',
          kind: 'dependency-wait',
          key: TimerQueue.key(run.runId, 'load', 'market.prices', at(0)),
          dueAt: at(600),
        }),
      ]);
      // The materializer turns the wait into a dependency run of the producer: the id the executor predicted.
      const saga = givenSaga([aWorkflowDefined(prices)]).when(waiting);
      expect(saga.runs.map((request) => request.runId)).toEqual([waiting.data.producerRunId]);
      expect(saga.runs[0]!.trigger).toMatchObject({
        type: 'dependency',
        assetId: 'market.prices',
        partitionKey: 'eu',
        waitingRun: { workflowSlug: 'report', runId: run.runId, stepId: 'load' },
      });
    });

    it('asks an unpartitioned consumer for any partition: waits when there is none, dispatches when one exists', async () => {
      const world = await givenExecutor(definitions());
      const first = aRun(summary);
      world.add(first.requested());
      const waiting = (await world.step())!;
      expect(typesOf(waiting.appended)).toEqual(['workflow.run.started', 'workflow.run.waiting']);
      expect(waiting.appended[1]!.data).toMatchObject({ assetId: 'market.prices', partitionKey: null });
      // Any partition wakes it.
      world.add(produced('us'));
      const resumed = (await world.step())!;
      expect(typesOf(resumed.appended)).toEqual(['workflow.run.resumed', 'workflow.step.dispatched']);
      const second = aRun(summary);
      world.add(second.requested());
      expect(typesOf((await world.step())!.appended)).toEqual(['workflow.run.started', 'workflow.step.dispatched']);
    });

    it('resumes when the awaited partition is produced, not for another partition', async () => {
      const world = await givenExecutor(definitions());
      const run = aRun(report, { partitionKey: 'eu' });
      world.add(run.requested());
      await world.runUntilIdle();
      world.add(produced('us'));
      expect((await world.step())!.appended).toEqual([]);
      world.add(produced('eu', 40));
      const outcome = (await world.step())!;
      expect(typesOf(outcome.appended)).toEqual(['workflow.run.resumed', 'workflow.step.dispatched']);
      expect(outcome.appended[0]!.data).toEqual({ stepId: 'load', assetId: 'market.prices', resumedAt: at(40) });
      expect(dispatchesOf(outcome.followUps)).toEqual([`${run.runId}:load:1`]);
    });

    describe('and the asset is produced between the check and the recorded wait (lost wake-up, issue 8 item 4)', () => {
      /** The stream as a crash left it: the production stored after the check, before the executor's own wait. */
      async function raceStream() {
        const twin = await givenExecutor(definitions());
        const checkpoint = await twin.snapshot();
        const run = aRun(report, { partitionKey: 'eu' });
        twin.add(run.requested());
        const decided = (await twin.step())!.appended;
        expect(typesOf(decided)).toEqual(['workflow.run.started', 'workflow.run.waiting']);
        const world = await ExecutorWorld.open(TEST_EXECUTOR_CONTEXT, new MemoryLog(), checkpoint);
        world.add(...twin.stream.slice(0, checkpoint.position));
        world.add(run.requested(), produced('eu'), ...decided);
        return { world, run, checkpoint };
      }

      it('resumes the run at its waiting event when the production came in the same batch', async () => {
        const { world, run } = await raceStream();
        const outcome = (await world.step())!;
        expect(typesOf(outcome.appended)).toEqual(['workflow.run.resumed', 'workflow.step.dispatched']);
        expect(world.readRun(run.subject)!.status).toBe('running');
      });

      it('resumes it when the production came in an earlier batch', async () => {
        const { world, run, checkpoint } = await raceStream();
        await world.step(2);
        expect(world.position).toBe(checkpoint.position + 2);
        const outcome = (await world.step())!;
        expect(typesOf(outcome.appended)).toEqual(['workflow.run.resumed', 'workflow.step.dispatched']);
        expect(world.readRun(run.subject)!.status).toBe('running');
      });
    });
  });

  describe('when a step succeeds with assets', () => {
    it('relays each asset as asset.produced, with an id derived from the step event, asset and partition', async () => {
      const world = await givenExecutor(definitions());
      const run = aRun(report, { partitionKey: 'eu' });
      world.add(produced('eu', 1), run.requested());
      await world.runUntilIdle();
      const [step] = complete(world, run, 'load', 'succeeded', {
        result: {
          assets: [
            { assetId: 'report.daily', payload: { rows: 3 } },
            { assetId: 'report.audit', payload: {} },
          ],
        },
      });
      const outcome = (await world.step())!;
      const relayed = outcome.appended.filter((event) => event.type === 'asset.produced');
      expect(relayed.map((event) => event.id)).toEqual([
        producedEventId(step!.id, 'report.daily', 'eu'),
        producedEventId(step!.id, 'report.audit', 'eu'),
      ]);
      expect(relayed[0]).toMatchObject({
        occurredAt: step!.occurredAt,
        metadata: { causationId: step!.id, correlationId: run.runId },
        data: {
          assetId: 'report.daily',
          workflowSlug: 'report',
          workflowRunId: run.runId,
          stepId: 'load',
          partitionKey: 'eu',
          payload: { rows: 3 },
          parameters: {},
        },
      });
      expect(typesOf(outcome.appended.filter((event) => event.type !== 'asset.produced'))).toEqual([
        'workflow.step.dispatched',
        'workflow.step.dispatched',
      ]);
    });

    it('relays check results as asset.check.evaluated before their asset.produced, with ids derived from it (issue 20)', async () => {
      const checked = aWorkflow('checked', [
        aStep('make', {
          produces: [
            {
              assetId: 'checked.report',
              checks: [
                { name: 'rows', severity: 'error', blocking: true },
                { name: 'total', severity: 'warn', payloadSchema: { type: 'object', required: ['total'] } },
              ],
            },
          ],
        }),
      ]);
      const world = await givenExecutor([...definitions(), aDefinitionEvent(checked)]);
      const run = aRun(checked);
      world.add(run.requested());
      await world.runUntilIdle();
      const [step] = complete(world, run, 'make', 'succeeded', {
        result: { assets: [{ assetId: 'checked.report', payload: {}, checks: [{ name: 'rows', passed: false }] }] },
      });
      const outcome = (await world.step())!;
      const relayed = outcome.appended.filter((event) => event.type.startsWith('asset.'));
      const producedId = producedEventId(step!.id, 'checked.report', null);
      expect(relayed.map((event) => [event.type, event.id])).toEqual([
        ['asset.check.evaluated', checkEventId(producedId, 'rows')],
        ['asset.check.evaluated', checkEventId(producedId, 'total')],
        ['asset.produced', producedId],
      ]);
      expect(relayed[0]).toMatchObject({
        subject: 'apphub.asset.check.checked.report',
        metadata: { causationId: step!.id, correlationId: run.runId },
        data: {
          checkName: 'rows',
          passed: false,
          blocking: true,
          severity: 'error',
          source: 'job',
          producedEventId: producedId,
        },
      });
      expect(relayed[1]!.data).toMatchObject({ checkName: 'total', passed: false, source: 'service' });
      // The materialization names its failed blocking checks (the non-blocking "total" is not among them).
      expect(relayed[2]!.data).toMatchObject({ failedBlockingChecks: ['rows'] });
      // Its own events read back relay nothing again.
      expect((await world.step())?.appended.filter((event) => event.type.startsWith('asset.')) ?? []).toEqual([]);
    });

    it('relays and advances a run it does not hold, loaded from the run’s events before the batch (older state)', async () => {
      const world = await givenExecutor(definitions());
      const run = aRun(plain);
      world.add(run.requested());
      await world.runUntilIdle();
      const [step] = complete(world, run, 'a', 'succeeded', { result: {} });
      await world.runUntilIdle();
      expect(step).toBeDefined();
      const withAssets = aRun(report, { partitionKey: 'us' });
      world.add(produced('us', 2), withAssets.requested());
      await world.runUntilIdle();
      const snapshot = await world.snapshot();
      const [succeeded] = complete(world, withAssets, 'load', 'succeeded', {
        result: { assets: [{ assetId: 'report.daily', payload: {} }] },
      });
      const restarted = await world.restart({ ...snapshot, runs: [] });
      const outcome = (await restarted.step())!;
      expect(outcome.appended.filter((e) => e.type === 'asset.produced').map((e) => e.id)).toEqual([
        producedEventId(succeeded!.id, 'report.daily', 'us'),
      ]);
      // …and decides the run on from there: the batch's own event is new to the run loaded before it.
      expect(stepStatuses(restarted, withAssets.subject)).toMatchObject({ render: 'running', mail: 'running' });
    });
  });

  describe('follow-ups', () => {
    it('re-dispatches only an attempt that is still running: a replayed old dispatch is not sent again', async () => {
      const retrying = aWorkflow('retrying', [aStep('a', { retries: 1, retryBackoffMs: 1000 })]);
      const world = await givenExecutor([...definitions(), aDefinitionEvent(retrying)]);
      const checkpoint = await world.snapshot();
      const run = aRun(retrying);
      world.add(run.requested());
      await world.runUntilIdle();
      complete(world, run, 'a', 'failed');
      const retry = (await world.runUntilIdle()).flatMap((outcome) => outcome.followUps);
      expect(retry).toEqual([expect.objectContaining({ type: 'ArmTimer', kind: 'step-retry', dueAt: at(31) })]);
      world.command(run.slug, run.runId, { type: 'DispatchRetry', stepId: 'a', attempt: 2, now: at(31) });
      expect(dispatchesOf((await world.runUntilIdle()).flatMap((o) => o.followUps))).toEqual([`${run.runId}:a:2`]);
      // A restart from before all of it replays dispatch 1, the failure, the retry and dispatch 2.
      const replay = await (await world.restart(checkpoint)).runUntilIdle();
      expect(dispatchesOf(replay.flatMap((outcome) => outcome.followUps))).toEqual([`${run.runId}:a:2`]);
      expect(replay.flatMap((o) => o.followUps).filter((f) => f.type === 'ArmTimer')).toEqual([]);
    });

    it('arms the timer of the current wait only: an old wait never replaces a newer one', async () => {
      const chained = aWorkflow('chained', [
        aStep('load', { consumes: ['market.prices'] }),
        aStep('publish', { dependsOn: ['load'], consumes: ['ref.rates'] }),
      ]);
      const rates = aWorkflow('rates', [aStep('r', { produces: [{ assetId: 'ref.rates' }] })]);
      const world = await givenExecutor([...definitions(), aDefinitionEvent(chained), aDefinitionEvent(rates)]);
      const checkpoint = await world.snapshot();
      const run = aRun(chained);
      world.add(run.requested());
      await world.runUntilIdle();
      world.add(produced('eu', 10));
      await world.runUntilIdle();
      complete(world, run, 'load', 'succeeded', { result: {}, now: at(50) });
      const second = (await world.runUntilIdle()).flatMap((outcome) => outcome.followUps);
      expect(second).toEqual([
        expect.objectContaining({
          kind: 'dependency-wait',
          key: TimerQueue.key(run.runId, 'publish', 'ref.rates', at(50)),
        }),
      ]);
      const replayed = (await (await world.restart(checkpoint)).runUntilIdle()).flatMap((outcome) => outcome.followUps);
      expect(replayed.filter((f) => f.type === 'ArmTimer')).toEqual([
        expect.objectContaining({ key: TimerQueue.key(run.runId, 'publish', 'ref.rates', at(50)) }),
      ]);
      // The same judgement, directly: the first wait's event against the run as it is now.
      const firstWait = world.stream.find((e) => e.type === 'workflow.run.waiting' && e.subject === run.subject)!;
      expect(followUpsOf(firstWait, world.state.runs.get(run.runId)!)).toEqual([]);
    });
  });

  describe('redelivery and replay', () => {
    it('decides nothing new when a batch is delivered again', async () => {
      const world = await givenExecutor(definitions());
      const run = aRun(report, { partitionKey: 'eu' });
      world.add(produced('eu', 1), run.requested());
      await world.runUntilIdle();
      complete(world, run, 'load', 'succeeded', { result: { assets: [{ assetId: 'report.daily', payload: {} }] } });
      const before = world.position;
      const first = (await world.step())!;
      const state = JSON.stringify([...world.state.runs.values()]);
      const streamLength = world.stream.length;
      world.position = before;
      const again = (await world.step())!;
      expect(typesOf(first.appended)).toContain('asset.produced');
      expect(again.appended).toEqual([]);
      expect(again.followUps).toEqual([]);
      expect(JSON.stringify([...world.state.runs.values()])).toBe(state);
      expect(world.stream.length).toBe(streamLength);
    });
  });
});
