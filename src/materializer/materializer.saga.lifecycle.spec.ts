import { anAssetProduced } from '../../test/support/builders/asset-events.js';
import {
  aBackoffElapsed,
  aRunEnded,
  aRunReconciled,
  aStep,
  aWorkflow,
  aWorkflowDefined,
} from '../../test/support/builders/materializer-events.js';
import { givenSaga } from '../../test/support/saga-spec.js';
import { targetKey } from './saga-state.js';

const MIN = 60_000;
const source = aWorkflow('source', [aStep('s', { produces: [{ assetId: 'asset.source' }] })]);
const target = aWorkflow(
  'target',
  [
    aStep('t', {
      consumes: ['asset.source'],
      produces: [{ assetId: 'asset.target', autoMaterialize: { onUpstreamUpdate: true, priority: 5 } }],
    }),
  ],
  {
    defaultParameters: { environment: 'production', region: 'us-east-1' },
  },
);
const at = (minutes: number) => new Date(Date.UTC(2025, 0, 1, 0, 0) + minutes * MIN).toISOString();
const upstream = (minute: number) =>
  anAssetProduced({ assetId: 'asset.source', workflowSlug: 'source', occurredAt: at(minute), producedAt: at(minute) });
const history = () => [aWorkflowDefined(source), aWorkflowDefined(target)];

describe('materializer saga: in-flight runs, follow-ups and backoff', () => {
  describe('when an auto run is in flight (the original scenario 4, without its lost triggers)', () => {
    it('coalesces further triggers and starts exactly one follow-up when the run succeeds', () => {
      const saga = givenSaga(history());
      const first = saga.when(upstream(0));
      expect(first.runs[0]!.parameters).toEqual({ environment: 'production', region: 'us-east-1' });
      const during = saga.whenAll([1, 2, 3, 4, 5].map(upstream));
      expect(during.flatMap((r) => r.runs)).toEqual([]);
      expect(during.map((r) => r.decisions[0]!.outcome)).toEqual(Array(5).fill('coalesced'));
      expect(during[4]!.decisions[0]).toMatchObject({
        reason: 'in_flight',
        runId: first.runs[0]!.runId,
        trigger: { coalesced: 5 },
      });
      const ended = saga.when(aRunEnded('succeeded', 'target', first.runs[0]!.runId, at(10)));
      expect(ended.runs).toHaveLength(1);
      expect(ended.runs[0]!.trigger).toMatchObject({
        reason: 'upstream-update',
        coalesced: 5,
        followUpOf: first.runs[0]!.runId,
      });
      expect(ended.decisions[0]).toMatchObject({ outcome: 'enqueued', followUpOf: first.runs[0]!.runId });
      const done = saga.when(aRunEnded('succeeded', 'target', ended.runs[0]!.runId, at(11)));
      expect(done.runs).toEqual([]);
      expect(saga.state.targets.size).toBe(0);
      expect(saga.when(upstream(12)).runs).toHaveLength(1);
    });

    it('counts a redelivered terminal event once', () => {
      const saga = givenSaga(history());
      const runId = saga.when(upstream(0)).runs[0]!.runId;
      saga.when(upstream(1));
      const end = aRunEnded('failed', 'target', runId, at(5));
      saga.when(end);
      const again = saga.when({ ...end, seq: end.seq + 1 });
      expect(again.output.events).toEqual([]);
      expect(saga.state.targets.get(targetKey('target', null))).toMatchObject({ failures: 1 });
    });

    it('releases a run that never came to exist (reconciled) without counting a failure', () => {
      const saga = givenSaga(history());
      const runId = saga.when(upstream(0)).runs[0]!.runId;
      saga.when(upstream(1));
      const released = saga.when(
        aRunReconciled({ workflowSlug: 'target', partitionKey: null, runId, status: 'missing', detail: null }, at(30)),
      );
      expect(released.runs).toHaveLength(1);
      expect(saga.state.targets.get(targetKey('target', null))).toMatchObject({
        failures: 0,
        inFlight: { runId: released.runs[0]!.runId },
      });
    });
  });

  describe('when auto runs fail', () => {
    it('backs off 2, 4, 8, 16, then 30 minutes and resets on success', () => {
      const saga = givenSaga(history());
      const windows: number[] = [];
      let minute = 0;
      for (let failure = 1; failure <= 6; failure++) {
        const runId = saga.when(upstream(minute)).runs[0]!.runId;
        minute += 1;
        saga.when(aRunEnded('failed', 'target', runId, at(minute)));
        const state = saga.state.targets.get(targetKey('target', null))!;
        windows.push((Date.parse(state.nextEligibleAt!) - Date.parse(at(minute))) / MIN);
        minute = (Date.parse(state.nextEligibleAt!) - Date.parse(at(0))) / MIN;
      }
      expect(windows).toEqual([2, 4, 8, 16, 30, 30]);
      const runId = saga.when(upstream(minute)).runs[0]!.runId;
      saga.when(aRunEnded('succeeded', 'target', runId, at(minute + 1)));
      expect(saga.state.targets.get(targetKey('target', null))).toBeUndefined();
    });

    it('defers triggers during the backoff with a timer, then runs exactly one follow-up when it elapses', () => {
      const saga = givenSaga(history());
      const runId = saga.when(upstream(0)).runs[0]!.runId;
      saga.when(aRunEnded('failed', 'target', runId, at(1)));
      const deferred = saga.whenAll([upstream(2), upstream(2.5)]);
      expect(deferred.flatMap((r) => r.runs)).toEqual([]);
      expect(deferred.map((r) => r.decisions[0]!.outcome)).toEqual(['deferred-backoff', 'deferred-backoff']);
      expect(deferred[1]!.decisions[0]!.nextEligibleAt).toBe(at(3));
      expect(deferred[1]!.timers).toEqual([
        expect.objectContaining({ kind: 'backoff', keyParts: ['target', ''], dueAt: at(3) }),
      ]);
      const early = saga.when(
        aBackoffElapsed({ workflowSlug: 'target', partitionKey: null, nextEligibleAt: at(1.5) }, at(1.5)),
      );
      expect(early.runs).toEqual([]);
      const elapsed = saga.when(aBackoffElapsed({ workflowSlug: 'target', partitionKey: null, nextEligibleAt: at(3) }));
      expect(elapsed.runs).toHaveLength(1);
      expect(elapsed.runs[0]!.trigger).toMatchObject({ coalesced: 2 });
      expect(
        saga.when(aBackoffElapsed({ workflowSlug: 'target', partitionKey: null, nextEligibleAt: at(3) }, at(3.1))).runs,
      ).toEqual([]);
    });

    it('defers the pending follow-up of a failed run until its backoff ends', () => {
      const saga = givenSaga(history());
      const runId = saga.when(upstream(0)).runs[0]!.runId;
      saga.when(upstream(0.5));
      const failed = saga.when(aRunEnded('failed', 'target', runId, at(1)));
      expect(failed.runs).toEqual([]);
      expect(failed.decisions[0]).toMatchObject({
        outcome: 'deferred-backoff',
        nextEligibleAt: at(3),
        trigger: { coalesced: 1 },
      });
      expect(failed.timers[0]).toMatchObject({ kind: 'backoff', dueAt: at(3) });
      expect(
        saga.when(aBackoffElapsed({ workflowSlug: 'target', partitionKey: null, nextEligibleAt: at(3) })).runs,
      ).toHaveLength(1);
    });

    it('lets a trigger after the window run at once', () => {
      const saga = givenSaga(history());
      const runId = saga.when(upstream(0)).runs[0]!.runId;
      saga.when(aRunEnded('canceled', 'target', runId, at(1)));
      expect(saga.when(upstream(3)).runs).toHaveLength(1);
    });
  });
});
