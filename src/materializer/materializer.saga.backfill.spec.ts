import { anAssetProduced, aPartitionParametersSet } from '../../test/support/builders/asset-events.js';
import { aBackfillRequested, aPartitionRequested } from '../../test/support/builders/backfill-events.js';
import { aRunEnded, aStep, aWorkflow, aWorkflowDefined } from '../../test/support/builders/materializer-events.js';
import { givenSaga } from '../../test/support/saga-spec.js';
import { derivedEventId } from '../events/envelope.js';

const daily = { type: 'timeWindow' as const, granularity: 'day' as const };
const source = aWorkflow('source', [aStep('s', { produces: [{ assetId: 'src.out', partitioning: daily }] })]);
const target = aWorkflow(
  'daily',
  [
    aStep('d', {
      consumes: ['src.out'],
      produces: [
        {
          assetId: 'daily.out',
          partitioning: daily,
          autoMaterialize: { onUpstreamUpdate: true, priority: 1, parameterDefaults: { region: 'eu' } },
        },
      ],
    }),
  ],
  { defaultParameters: { environment: 'production', mode: 'incremental' } },
);
const history = () => [aWorkflowDefined(source), aWorkflowDefined(target)];
const request = (keys: string[], parameters: Record<string, unknown> | null = { mode: 'full' }) =>
  aBackfillRequested({ workflowSlug: 'daily', assetId: 'daily.out', partitionKeys: keys, parameters }).data;
const upstream = (partitionKey: string, occurredAt = '2025-01-01T00:00:00.000Z') =>
  anAssetProduced({ assetId: 'src.out', workflowSlug: 'source', partitionKey, occurredAt, producedAt: occurredAt });

describe('materializer saga: backfill partitions', () => {
  it('requests a backfill run: id derived from the release, backfill trigger, no run key or priority, merged parameters', () => {
    const backfill = request(['2025-01-02']);
    const released = aPartitionRequested(backfill, '2025-01-02');
    const saga = givenSaga([
      ...history(),
      aPartitionParametersSet({
        workflowSlug: 'daily',
        assetId: 'daily.out',
        partitionKey: '2025-01-02',
        parameters: { stored: 1 },
      }),
    ]);
    const { runs, decisions } = saga.when(released);
    expect(runs).toEqual([
      expect.objectContaining({
        runId: derivedEventId(released.id, 'auto-run', 'daily', '2025-01-02'),
        partitionKey: '2025-01-02',
        runKey: null,
        priority: null,
        parameters: {
          environment: 'production',
          mode: 'full',
          region: 'eu',
          stored: 1,
          partitionKey: '2025-01-02',
          windowStart: '2025-01-02T00:00:00.000Z',
          windowEnd: '2025-01-03T00:00:00.000Z',
        },
        trigger: expect.objectContaining({
          type: 'backfill',
          backfillId: backfill.backfillId,
          backfillIds: [backfill.backfillId],
          partitionKey: '2025-01-02',
        }),
      }),
    ]);
    expect(decisions).toEqual([expect.objectContaining({ outcome: 'enqueued', reason: 'backfill' })]);
  });

  it('decides a release once, even when it is delivered again', () => {
    const released = aPartitionRequested(request(['2025-01-02']), '2025-01-02');
    const saga = givenSaga([...history(), released]);
    expect(saga.when({ ...released, seq: released.seq + 10 }).output).toEqual({ events: [], commands: [] });
  });

  it('skips a key the workflow no longer takes, naming the backfill', () => {
    const backfill = request(['not-a-day']);
    const { decisions, runs } = givenSaga(history()).when(aPartitionRequested(backfill, 'not-a-day'));
    expect(runs).toEqual([]);
    expect(decisions).toEqual([
      expect.objectContaining({
        outcome: 'skipped',
        reason: 'partition_mismatch',
        trigger: expect.objectContaining({ backfillIds: [backfill.backfillId] }),
      }),
    ]);
  });

  describe('when an auto run is in flight for the partition', () => {
    it('coalesces the backfill and runs it once, after the run in flight, with its parameters', () => {
      const saga = givenSaga(history());
      const auto = saga.when(upstream('2025-01-02')).runs[0]!;
      const backfill = request(['2025-01-02']);
      const coalesced = saga.when(aPartitionRequested(backfill, '2025-01-02'));
      expect(coalesced.runs).toEqual([]);
      expect(coalesced.decisions[0]).toMatchObject({
        outcome: 'coalesced',
        runId: auto.runId,
        trigger: { reason: 'backfill', backfillIds: [backfill.backfillId] },
      });
      // A later upstream update folds into the same follow-up; the backfill's trigger is kept.
      expect(saga.when(upstream('2025-01-02', '2025-01-01T00:01:00.000Z')).decisions[0]).toMatchObject({
        outcome: 'coalesced',
        trigger: { reason: 'backfill', coalesced: 2, backfillIds: [backfill.backfillId] },
      });
      const ended = saga.when(aRunEnded('succeeded', 'daily', auto.runId));
      expect(ended.runs).toHaveLength(1);
      expect(ended.runs[0]).toMatchObject({
        parameters: { mode: 'full' },
        trigger: { type: 'backfill', backfillId: backfill.backfillId, followUpOf: auto.runId, coalesced: 2 },
      });
    });

    it('folds backfills with equal parameters into one follow-up run that lists them all', () => {
      const saga = givenSaga(history());
      const auto = saga.when(upstream('2025-01-02')).runs[0]!;
      const first = request(['2025-01-02'], { mode: 'full', depth: 1 });
      const second = request(['2025-01-02'], { depth: 1, mode: 'full' });
      saga.when(aPartitionRequested(first, '2025-01-02'));
      saga.when(aPartitionRequested(second, '2025-01-02'));
      const followUp = saga.when(aRunEnded('failed', 'daily', auto.runId));
      expect(followUp.decisions[0]).toMatchObject({
        outcome: 'deferred-backoff',
        trigger: { backfill: { backfillId: second.backfillId }, backfillIds: [first.backfillId, second.backfillId] },
      });
    });

    it('gives each backfill with other parameters its own run, in turn, each with its parameters', () => {
      const saga = givenSaga(history());
      const auto = saga.when(upstream('2025-01-02')).runs[0]!;
      const first = request(['2025-01-02'], { mode: 'first' });
      const second = request(['2025-01-02'], { mode: 'second' });
      saga.when(aPartitionRequested(first, '2025-01-02'));
      expect(saga.when(aPartitionRequested(second, '2025-01-02')).decisions[0]).toMatchObject({
        outcome: 'coalesced',
        trigger: { backfill: { backfillId: second.backfillId }, backfillIds: [second.backfillId] },
      });
      // A later upstream update folds into the first waiting run; it makes no run of its own.
      saga.when(upstream('2025-01-02', '2025-01-01T00:01:00.000Z'));
      const firstRun = saga.when(aRunEnded('succeeded', 'daily', auto.runId)).runs;
      expect(firstRun).toEqual([
        expect.objectContaining({
          parameters: expect.objectContaining({ mode: 'first' }),
          trigger: expect.objectContaining({ backfillIds: [first.backfillId], followUpOf: auto.runId }),
        }),
      ]);
      const secondRun = saga.when(aRunEnded('succeeded', 'daily', firstRun[0]!.runId)).runs;
      expect(secondRun).toEqual([
        expect.objectContaining({
          parameters: expect.objectContaining({ mode: 'second' }),
          trigger: expect.objectContaining({ backfillIds: [second.backfillId], followUpOf: firstRun[0]!.runId }),
        }),
      ]);
      expect(saga.when(aRunEnded('succeeded', 'daily', secondRun[0]!.runId)).runs).toEqual([]);
    });
  });

  describe('when a backfill run is in flight for the partition', () => {
    it('coalesces an upstream update behind it (a backfill run is in flight like any auto run)', () => {
      const saga = givenSaga(history());
      const run = saga.when(aPartitionRequested(request(['2025-01-02']), '2025-01-02')).runs[0]!;
      const update = saga.when(upstream('2025-01-02'));
      expect(update.runs).toEqual([]);
      expect(update.decisions[0]).toMatchObject({ outcome: 'coalesced', runId: run.runId });
      const followUp = saga.when(aRunEnded('succeeded', 'daily', run.runId)).runs[0]!;
      expect(followUp.trigger).toMatchObject({ type: 'auto-materialize', reason: 'upstream-update' });
      expect(followUp.trigger).not.toHaveProperty('backfillIds');
    });

    it('backs the partition off after the backfill run failed, deferring the next trigger', () => {
      const saga = givenSaga(history());
      const run = saga.when(aPartitionRequested(request(['2025-01-02']), '2025-01-02')).runs[0]!;
      saga.when(aRunEnded('failed', 'daily', run.runId, '2025-01-01T00:10:00.000Z'));
      const again = request(['2025-01-02']);
      const deferred = saga.when(aPartitionRequested(again, '2025-01-02', '2025-01-01T00:11:00.000Z'));
      expect(deferred.runs).toEqual([]);
      expect(deferred.decisions[0]).toMatchObject({
        outcome: 'deferred-backoff',
        trigger: { backfillIds: [again.backfillId] },
      });
    });
  });
});
