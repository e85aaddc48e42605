import { anAssetExpired, anAssetProduced } from '../../test/support/builders/asset-events.js';
import { aStep, aWorkflow, aWorkflowDefined } from '../../test/support/builders/materializer-events.js';
import { givenSaga } from '../../test/support/saga-spec.js';
import { derivedEventId } from '../events/envelope.js';
import type { CheckDeclaration } from '../workflows/workflow-definition.js';
import { expiredFreshnessResults } from './expired-freshness.js';
import type { FreshnessTimerPayload } from './freshness.js';
import { targetKey } from './saga-state.js';

// The freshness rule among service-evaluated checks (issue 20): the timer that expires a materialization also fails
// its freshness checks, and a blocking one blocks the asset's consumers until it is produced again and passes.

const AT = '2025-01-02T12:00:00.000Z';
const checks: CheckDeclaration[] = [
  { name: 'fresh', severity: 'error', blocking: true, freshness: {} },
  { name: 'fresh-soft', severity: 'warn', freshness: { maxAgeMs: 5000 } },
  { name: 'rows', severity: 'warn' },
];
const feed = aWorkflow('feed', [
  aStep('f', { produces: [{ assetId: 'feed.prices', freshness: { ttlMs: 60_000 }, checks }] }),
]);
const board = aWorkflow('board', [
  aStep('b', {
    consumes: ['feed.prices'],
    produces: [{ assetId: 'board.summary', autoMaterialize: { onUpstreamUpdate: true } }],
  }),
]);
const prices = (failedBlockingChecks: string[] = []) =>
  anAssetProduced({
    assetId: 'feed.prices',
    workflowSlug: 'feed',
    occurredAt: AT,
    producedAt: AT,
    freshness: { ttlMs: 60_000 },
    failedBlockingChecks,
  });

describe('materializer saga: freshness checks at expiry', () => {
  it('arms the ttl timer with the asset’s freshness checks (name, severity, blocking)', () => {
    const { timers } = givenSaga([aWorkflowDefined(feed)]).when(prices());
    expect(timers).toHaveLength(1);
    expect((timers[0]!.payload as FreshnessTimerPayload).freshnessChecks).toEqual([
      { name: 'fresh', severity: 'error', blocking: true },
      { name: 'fresh-soft', severity: 'warn', blocking: false },
    ]);
  });

  it('turns an expiry into one failed result per freshness check, with ids derived from the expiry', () => {
    const produced = prices();
    const { timers } = givenSaga([aWorkflowDefined(feed)]).when(produced);
    const payload = timers[0]!.payload as FreshnessTimerPayload;
    const results = expiredFreshnessResults(payload, 'expired-1');
    expect(results.map(({ id }) => id)).toEqual([
      derivedEventId('expired-1', 'check', 'fresh'),
      derivedEventId('expired-1', 'check', 'fresh-soft'),
    ]);
    expect(results[0]!.data).toMatchObject({
      assetId: 'feed.prices',
      producedEventId: produced.id,
      checkName: 'fresh',
      blocking: true,
      passed: false,
      source: 'service',
      metadata: { expiredAt: '2025-01-02T12:01:00.000Z', reason: 'ttl' },
      violations: [{ path: '/producedAt', message: expect.stringContaining('expired at 2025-01-02T12:01:00.000Z') }],
    });
  });

  it('blocks the consumers when a blocking freshness check fails at expiry, until a passing materialization', () => {
    const produced = prices();
    const saga = givenSaga([aWorkflowDefined(feed), produced, aWorkflowDefined(board)]);
    saga.when(anAssetExpired(produced, { occurredAt: '2025-01-02T12:01:00.000Z' }));
    expect(saga.state.targets.get(targetKey('board', null))?.checkBlock?.inputs).toEqual([
      expect.objectContaining({ assetId: 'feed.prices', eventId: produced.id, checks: ['fresh'] }),
    ]);
    const next = saga.when(prices());
    expect(next.decisions).toEqual([expect.objectContaining({ outcome: 'enqueued', reason: 'upstream-update' })]);
    expect(saga.state.targets.get(targetKey('board', null))?.checkBlock).toBeUndefined();
  });

  it('changes nothing for an expiry of a materialization already replaced', () => {
    const old = prices();
    const saga = givenSaga([aWorkflowDefined(feed), aWorkflowDefined(board), old, prices()]);
    saga.when(anAssetExpired(old, { occurredAt: '2025-01-02T12:01:00.000Z' }));
    expect(saga.state.targets.get(targetKey('board', null))?.checkBlock).toBeUndefined();
  });
});
