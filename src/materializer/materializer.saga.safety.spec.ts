import { anAssetExpired, anAssetProduced } from '../../test/support/builders/asset-events.js';
import {
  aBackoffElapsed,
  aRunEnded,
  aRunReconciled,
  aStep,
  aWorkflow,
  aWorkflowDefined,
} from '../../test/support/builders/materializer-events.js';
import { testEventId } from '../../test/support/builders/lineage-events.js';
import { givenSaga } from '../../test/support/saga-spec.js';
import { assetPartitionKey, targetKey } from './saga-state.js';

const prices = aWorkflow('prices', [
  aStep('fetch', { produces: [{ assetId: 'market.prices', partitioning: { type: 'static', keys: ['eu', 'us'] } }] }),
]);

describe('materializer saga: duplicate productions', () => {
  const target = aWorkflow('target', [
    aStep('t', {
      consumes: ['market.prices'],
      produces: [{ assetId: 'market.report', autoMaterialize: { onUpstreamUpdate: true } }],
    }),
  ]);
  const production = (seq: number, id = testEventId('production', seq)) =>
    anAssetProduced({
      id,
      seq,
      assetId: 'market.prices',
      workflowSlug: 'prices',
      partitionKey: 'eu',
      freshness: { ttlMs: 60_000 },
    });

  it('ignores a production it already folded (same id) and an older one replayed after a newer', () => {
    const saga = givenSaga([aWorkflowDefined(prices), aWorkflowDefined(target)]);
    const newer = production(700_010);
    const first = saga.when(newer);
    expect(first.runs).toHaveLength(1);
    expect(first.timers).toHaveLength(1);
    for (const duplicate of [newer, { ...newer, seq: newer.seq + 5 }, production(700_001)]) {
      const again = saga.when(duplicate);
      expect(again.output).toEqual({ events: [], commands: [] });
    }
    expect(saga.state.latest.get(assetPartitionKey('prices', 'market.prices', 'eu'))).toMatchObject({
      eventId: newer.id,
      seq: newer.seq,
    });
  });
});

describe('materializer saga: cadence timers follow the current definition (issue 8 item 7)', () => {
  const cadence = { cadenceMs: 300_000 };
  const minuteProducer = (declaration: object) =>
    aWorkflow('ingest', [
      aStep('i', {
        produces: [
          {
            assetId: 'obs.raw',
            freshness: cadence,
            autoMaterialize: { priority: 2 },
            ...declaration,
          },
        ],
      }),
    ]);
  const produced = anAssetProduced({
    assetId: 'obs.raw',
    workflowSlug: 'ingest',
    producedAt: '2025-08-01T12:00:00.000Z',
    occurredAt: '2025-08-01T12:00:00.000Z',
    freshness: cadence,
  });
  const expired = (occurredAt: string, reason: 'cadence' | 'ttl' = 'cadence') =>
    anAssetExpired(produced, { reason, expiresAt: '2025-08-01T12:05:00.000Z', occurredAt });
  const rearmed = (result: { timers: Array<{ kind: string }> }) =>
    result.timers.filter((timer) => timer.kind === 'freshness-cadence');

  it('re-arms a cadence for the next period while the declaration asks for it with an active policy', () => {
    const { timers, runs } = givenSaga([aWorkflowDefined(minuteProducer({})), produced]).when(
      expired('2025-08-01T12:05:00.500Z'),
    );
    expect(runs).toHaveLength(1);
    expect(timers).toEqual([
      expect.objectContaining({
        kind: 'freshness-cadence',
        keyParts: ['ingest', 'obs.raw', ''],
        dueAt: '2025-08-01T12:10:00.000Z',
        payload: expect.objectContaining({ reason: 'cadence', cadenceMs: 300_000, producedEventId: produced.id }),
      }),
    ]);
  });

  it('fires once after a long outage: the next due time is the first period end after the expiry', () => {
    const { timers } = givenSaga([aWorkflowDefined(minuteProducer({})), produced]).when(
      expired('2025-08-01T13:01:00.000Z'),
    );
    expect(timers.map((timer) => timer.dueAt)).toEqual(['2025-08-01T13:05:00.000Z']);
  });

  it('stops when the current definition no longer has a cadence, or its policy is off or gone', () => {
    for (const declaration of [
      { freshness: { ttlMs: 60_000 } },
      { freshness: undefined },
      { autoMaterialize: { enabled: false } },
      { autoMaterialize: undefined },
    ]) {
      const saga = givenSaga([
        aWorkflowDefined(minuteProducer({})),
        produced,
        aWorkflowDefined(minuteProducer(declaration)),
      ]);
      expect(rearmed(saga.when(expired('2025-08-01T12:05:00.500Z')))).toEqual([]);
    }
  });

  it('never re-arms from a ttl expiry or from the expiry of a replaced materialization', () => {
    const saga = givenSaga([aWorkflowDefined(minuteProducer({})), produced]);
    expect(rearmed(saga.when(expired('2025-08-01T12:05:00.500Z', 'ttl')))).toEqual([]);
    const newer = anAssetProduced({
      assetId: 'obs.raw',
      workflowSlug: 'ingest',
      producedAt: '2025-08-01T12:04:00.000Z',
      freshness: cadence,
    });
    const replaced = givenSaga([aWorkflowDefined(minuteProducer({})), produced, newer]);
    expect(rearmed(replaced.when(expired('2025-08-01T12:05:00.500Z')))).toEqual([]);
  });
});

describe('materializer saga: stuck claims (issue 8 item 8)', () => {
  const MIN = 60_000;
  const at = (minutes: number) => new Date(Date.UTC(2025, 0, 1) + minutes * MIN).toISOString();
  const source = aWorkflow('source', [aStep('s', { produces: [{ assetId: 'asset.source' }] })]);
  const target = aWorkflow('target', [
    aStep('t', {
      consumes: ['asset.source'],
      produces: [{ assetId: 'asset.target', autoMaterialize: { onUpstreamUpdate: true } }],
    }),
  ]);
  const upstream = (minute: number) =>
    anAssetProduced({
      assetId: 'asset.source',
      workflowSlug: 'source',
      occurredAt: at(minute),
      producedAt: at(minute),
    });
  const claimExpired = (runId: string, minute: number) =>
    aRunReconciled(
      { workflowSlug: 'target', partitionKey: null, runId, status: 'claim-expired', detail: 'claim too old' },
      at(minute),
    );

  it('releases the claim of a run that never ends: the pending trigger waits out a backoff, then runs once', () => {
    const saga = givenSaga([aWorkflowDefined(source), aWorkflowDefined(target)]);
    const stuck = saga.when(upstream(0)).runs[0]!.runId;
    expect(saga.whenAll([upstream(1), upstream(2)]).map((r) => r.decisions[0]!.outcome)).toEqual([
      'coalesced',
      'coalesced',
    ]);
    const released = saga.when(claimExpired(stuck, 60));
    expect(released.runs).toEqual([]);
    expect(released.decisions).toEqual([
      expect.objectContaining({
        outcome: 'deferred-backoff',
        nextEligibleAt: at(62),
        trigger: expect.objectContaining({ coalesced: 2 }),
      }),
    ]);
    expect(released.timers).toEqual([
      expect.objectContaining({ kind: 'backoff', keyParts: ['target', ''], dueAt: at(62) }),
    ]);
    expect(saga.state.targets.get(targetKey('target', null))).toMatchObject({ inFlight: null, failures: 1 });
    // The stuck run ending later changes nothing: its claim is gone and its end was already counted.
    expect(saga.when(aRunEnded('succeeded', 'target', stuck, at(61))).output).toEqual({ events: [], commands: [] });
    expect(saga.state.targets.get(targetKey('target', null))).toMatchObject({ failures: 1 });
    const elapsed = saga.when(aBackoffElapsed({ workflowSlug: 'target', partitionKey: null, nextEligibleAt: at(62) }));
    expect(elapsed.runs).toEqual([
      expect.objectContaining({ trigger: expect.objectContaining({ reason: 'upstream-update', coalesced: 2 }) }),
    ]);
    // A second release of the same claim (the sweep again) is a no-op.
    expect(saga.when(claimExpired(stuck, 63)).output).toEqual({ events: [], commands: [] });
  });

  it('counts an expired claim without a pending trigger as a failure (backoff), without a run', () => {
    const saga = givenSaga([aWorkflowDefined(source), aWorkflowDefined(target)]);
    const stuck = saga.when(upstream(0)).runs[0]!.runId;
    const released = saga.when(claimExpired(stuck, 60));
    expect(released.output).toEqual({ events: [], commands: [] });
    expect(saga.state.targets.get(targetKey('target', null))).toMatchObject({ inFlight: null, nextEligibleAt: at(62) });
    expect(saga.when(upstream(61)).decisions[0]).toMatchObject({ outcome: 'deferred-backoff' });
    expect(saga.when(upstream(63)).runs).toHaveLength(1);
  });
});
