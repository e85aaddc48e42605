import { derivedEventId, type StoredEvent } from '../events/envelope.js';
import {
  aBackfillCanceled,
  aBackfillRequested,
  aBackfillRunRequested,
  aDecision,
  aPartitionRequested,
} from '../../test/support/builders/backfill-events.js';
import { aRunEnded, aRunReconciled } from '../../test/support/builders/materializer-events.js';
import type { BackfillCompleted, BackfillPartitionRequested } from './backfill.events.js';
import {
  decideBackfillEvent,
  emptyBackfillManagerState,
  partitionRequestedId,
  type BackfillDecision,
} from './backfill.saga.js';

/** given(history).when(event) for the backfill manager: state carries over, so `when` can be chained. */
function given(history: StoredEvent[]) {
  const state = emptyBackfillManagerState();
  for (const event of history) decideBackfillEvent(state, event);
  return { state, when: (event: StoredEvent): BackfillDecision => decideBackfillEvent(state, event) };
}

const released = (decision: BackfillDecision) =>
  decision.appends
    .filter((append) => append.event.type === 'backfill.partition-requested')
    .map((append) => (append.event.data as BackfillPartitionRequested).partitionKey);
const completion = (decision: BackfillDecision) =>
  decision.appends.find((append) => append.event.type === 'backfill.completed')?.event.data as
    BackfillCompleted | undefined;

const KEYS = ['2025-01-01', '2025-01-02', '2025-01-03', '2025-01-04'];

describe('backfill manager', () => {
  describe('when a backfill is requested', () => {
    it('releases the first maxConcurrentRuns partitions in order, with ids derived from backfill × partition', () => {
      const request = aBackfillRequested({ partitionKeys: KEYS, maxConcurrentRuns: 2, parameters: { full: true } });
      const decision = given([]).when(request);
      expect(released(decision)).toEqual(['2025-01-01', '2025-01-02']);
      expect(decision.appends.map((append) => append.event.id)).toEqual([
        partitionRequestedId(request.data.backfillId, '2025-01-01'),
        partitionRequestedId(request.data.backfillId, '2025-01-02'),
      ]);
      expect(decision.appends[1]!.event.data).toMatchObject({ position: 1, parameters: { full: true } });
      expect(decision.appends.every((append) => append.causationId === request.id)).toBe(true);
    });

    it('releases everything at once when maxConcurrentRuns covers it', () => {
      const request = aBackfillRequested({ partitionKeys: KEYS, maxConcurrentRuns: 10 });
      expect(released(given([]).when(request))).toEqual(KEYS);
    });

    it('ignores a repeated request and its own events read back', () => {
      const request = aBackfillRequested({ partitionKeys: KEYS });
      const spec = given([request]);
      expect(spec.when(request).appends).toEqual([]);
      expect(spec.when(aPartitionRequested(request.data, '2025-01-01')).appends).toEqual([]);
    });
  });

  describe('when partitions finish', () => {
    it('releases the next partition when the run serving one ends', () => {
      const request = aBackfillRequested({ partitionKeys: KEYS, maxConcurrentRuns: 2 });
      const spec = given([request, aBackfillRunRequested('daily', 'run-1', '2025-01-01', [request.data.backfillId])]);
      expect(released(spec.when(aRunEnded('succeeded', 'daily', 'run-1')))).toEqual(['2025-01-03']);
    });

    it('links a run once, whether the enqueued decision or the run request comes first', () => {
      const request = aBackfillRequested({ partitionKeys: KEYS, maxConcurrentRuns: 1 });
      const ids = [request.data.backfillId];
      const spec = given([
        request,
        aDecision('enqueued', { slug: 'daily', partitionKey: '2025-01-01', backfillIds: ids, runId: 'run-1' }),
        aBackfillRunRequested('daily', 'run-1', '2025-01-01', ids),
      ]);
      expect(spec.state.runs.get('run-1')).toHaveLength(1);
      expect(released(spec.when(aRunEnded('failed', 'daily', 'run-1')))).toEqual(['2025-01-02']);
      expect(spec.state.runs.has('run-1')).toBe(false);
    });

    it('follows a partition coalesced with a run in flight to the follow-up run that serves it', () => {
      const request = aBackfillRequested({ partitionKeys: KEYS, maxConcurrentRuns: 1 });
      const ids = [request.data.backfillId];
      const spec = given([
        request,
        aDecision('coalesced', { slug: 'daily', partitionKey: '2025-01-01', backfillIds: ids, runId: 'auto-run' }),
      ]);
      expect(released(spec.when(aRunEnded('succeeded', 'daily', 'auto-run')))).toEqual([]);
      spec.when(aBackfillRunRequested('daily', 'follow-up', '2025-01-01', ids));
      expect(released(spec.when(aRunEnded('succeeded', 'daily', 'follow-up')))).toEqual(['2025-01-02']);
    });

    it('counts a partition the materializer skipped and moves on', () => {
      const request = aBackfillRequested({ partitionKeys: KEYS.slice(0, 2), maxConcurrentRuns: 1 });
      const spec = given([request]);
      const skipped = aDecision('skipped', {
        slug: 'daily',
        partitionKey: '2025-01-01',
        backfillIds: [request.data.backfillId],
        reason: 'partition_mismatch',
      });
      expect(released(spec.when(skipped))).toEqual(['2025-01-02']);
    });

    it('counts a partition whose follow-up run was refused for its size (a run end caused the skip)', () => {
      const request = aBackfillRequested({ partitionKeys: KEYS.slice(0, 2), maxConcurrentRuns: 1 });
      const spec = given([request]);
      const skipped = aDecision('skipped', {
        slug: 'daily',
        partitionKey: '2025-01-01',
        backfillIds: [request.data.backfillId],
        causeType: 'workflow.run.succeeded',
        reason: 'run_request_too_large',
      });
      expect(released(spec.when(skipped))).toEqual(['2025-01-02']);
    });

    it('counts a run the sweep found missing as failed', () => {
      const request = aBackfillRequested({ partitionKeys: KEYS.slice(0, 1), maxConcurrentRuns: 1 });
      const ids = [request.data.backfillId];
      const spec = given([
        request,
        aDecision('enqueued', { slug: 'daily', partitionKey: '2025-01-01', backfillIds: ids, runId: 'lost' }),
      ]);
      const missing = aRunReconciled({
        workflowSlug: 'daily',
        partitionKey: '2025-01-01',
        runId: 'lost',
        status: 'missing',
        detail: 'reconciliation sweep',
      });
      expect(completion(spec.when(missing))).toMatchObject({ status: 'failed', counts: { failed: 1 } });
    });

    it('ignores the end of a run that serves no backfill partition', () => {
      const request = aBackfillRequested({ partitionKeys: KEYS });
      expect(given([request]).when(aRunEnded('succeeded', 'daily', 'someone-else')).appends).toEqual([]);
    });

    it('ends the partition of every backfill one run serves', () => {
      const first = aBackfillRequested({ partitionKeys: ['2025-01-01'] });
      const second = aBackfillRequested({ partitionKeys: ['2025-01-01', '2025-01-02'], maxConcurrentRuns: 1 });
      const ids = [first.data.backfillId, second.data.backfillId];
      const spec = given([first, second, aBackfillRunRequested('daily', 'shared', '2025-01-01', ids)]);
      const decision = spec.when(aRunEnded('succeeded', 'daily', 'shared'));
      expect(completion(decision)).toMatchObject({ backfillId: first.data.backfillId, status: 'succeeded' });
      expect(released(decision)).toEqual(['2025-01-02']);
    });
  });

  describe('when the last partition ends', () => {
    const endAll = (statuses: Array<'succeeded' | 'failed' | 'canceled'>) => {
      const keys = statuses.map((_, index) => KEYS[index]!);
      const request = aBackfillRequested({ partitionKeys: keys, maxConcurrentRuns: keys.length });
      const ids = [request.data.backfillId];
      const spec = given([
        request,
        ...keys.map((key, index) => aBackfillRunRequested('daily', `run-${index}`, key, ids)),
      ]);
      const decisions = statuses.map((status, index) => spec.when(aRunEnded(status, 'daily', `run-${index}`)));
      return { request, decisions, spec };
    };

    it('completes as succeeded once every partition succeeded, with a derived id', () => {
      const { request, decisions, spec } = endAll(['succeeded', 'succeeded']);
      expect(completion(decisions[0]!)).toBeUndefined();
      const done = decisions[1]!;
      expect(completion(done)).toMatchObject({
        status: 'succeeded',
        counts: { total: 2, succeeded: 2, failed: 0, canceled: 0, skipped: 0 },
      });
      expect(done.appends[0]!.event.id).toBe(derivedEventId(request.data.backfillId, 'backfill.completed'));
      expect(spec.state.backfills.has(request.data.backfillId)).toBe(false);
    });

    it('completes as failed when a run failed or was canceled', () => {
      const { decisions } = endAll(['succeeded', 'failed', 'canceled']);
      expect(completion(decisions[2]!)).toMatchObject({
        status: 'failed',
        counts: { total: 3, succeeded: 1, failed: 1, canceled: 1 },
      });
    });
  });

  describe('when a backfill is canceled', () => {
    it('releases nothing more and completes as canceled once its runs in flight ended', () => {
      const request = aBackfillRequested({ partitionKeys: KEYS, maxConcurrentRuns: 2 });
      const ids = [request.data.backfillId];
      const spec = given([
        request,
        aBackfillRunRequested('daily', 'run-1', '2025-01-01', ids),
        aBackfillRunRequested('daily', 'run-2', '2025-01-02', ids),
      ]);
      expect(spec.when(aBackfillCanceled(request.data)).appends).toEqual([]);
      expect(spec.when(aRunEnded('succeeded', 'daily', 'run-1')).appends).toEqual([]);
      expect(completion(spec.when(aRunEnded('succeeded', 'daily', 'run-2')))).toMatchObject({
        status: 'canceled',
        counts: { total: 4, succeeded: 2, canceled: 2 },
      });
    });

    it('waits for partitions released before the cancel, even those without a run yet', () => {
      const request = aBackfillRequested({ partitionKeys: KEYS, maxConcurrentRuns: 1 });
      const ids = [request.data.backfillId];
      const spec = given([
        request,
        aDecision('skipped', { slug: 'daily', partitionKey: '2025-01-01', backfillIds: ids }),
      ]);
      // 2025-01-02 is released and not decided yet: the materializer may still run it.
      expect(spec.when(aBackfillCanceled(request.data)).appends).toEqual([]);
      const decision = spec.when(aDecision('skipped', { slug: 'daily', partitionKey: '2025-01-02', backfillIds: ids }));
      expect(released(decision)).toEqual([]);
      expect(completion(decision)).toMatchObject({ status: 'canceled', counts: { total: 4, skipped: 2, canceled: 2 } });
    });

    it('ignores a second cancel', () => {
      const request = aBackfillRequested({ partitionKeys: KEYS });
      const spec = given([request, aBackfillCanceled(request.data)]);
      expect(spec.when(aBackfillCanceled(request.data))).toMatchObject({ appends: [], changedPartitions: [] });
    });
  });

  it('decides a replay exactly as the first time (same events, same ids)', () => {
    const request = aBackfillRequested({ partitionKeys: KEYS, maxConcurrentRuns: 2 });
    const ids = [request.data.backfillId];
    const history = [
      request,
      aBackfillRunRequested('daily', 'run-1', '2025-01-01', ids),
      aRunEnded('succeeded', 'daily', 'run-1'),
      aDecision('skipped', { slug: 'daily', partitionKey: '2025-01-02', backfillIds: ids }),
    ];
    const appended = (events: StoredEvent[]) => {
      const state = emptyBackfillManagerState();
      return events.flatMap((event) => decideBackfillEvent(state, event).appends.map((append) => append.event.id));
    };
    expect(appended(history)).toEqual(appended(history));
    expect(appended(history)).toHaveLength(4);
  });
});
