import { anAssetExpired } from '../../test/support/builders/asset-events.js';
import { aWorkflowDefined } from '../../test/support/builders/materializer-events.js';
import { givenSaga } from '../../test/support/saga-spec.js';
import { produce, producer } from '../../test/support/builders/minute-ingest.js';

describe('materializer saga: freshness and expiry', () => {
  describe('when a materialization has freshness hints', () => {
    it('arms a ttl and a cadence timer per workflow × asset × partition, due at producedAt + ms', () => {
      const produced = produce('2025-08-01T12:15', { freshness: { ttlMs: 60_000, cadenceMs: 300_000 } });
      const { timers } = givenSaga([aWorkflowDefined(producer())]).when(produced);
      expect(timers).toEqual([
        expect.objectContaining({
          kind: 'freshness-ttl',
          keyParts: ['ingest', 'obs.raw', '2025-08-01T12:15'],
          dueAt: '2025-08-01T12:16:30.000Z',
          payload: expect.objectContaining({ reason: 'ttl', producedEventId: produced.id, cadenceMs: null }),
        }),
        expect.objectContaining({
          kind: 'freshness-cadence',
          dueAt: '2025-08-01T12:20:30.000Z',
          payload: expect.objectContaining({
            reason: 'cadence',
            cadenceMs: 300_000,
            expiresAt: '2025-08-01T12:20:30.000Z',
          }),
        }),
      ]);
    });
  });

  describe('when an asset with an active policy expires', () => {
    it('re-runs its producer for that partition with the expiry reason', () => {
      const produced = produce('2025-08-01T12:15');
      const saga = givenSaga([aWorkflowDefined(producer()), produced]);
      for (const reason of ['ttl', 'cadence'] as const) {
        const expired = anAssetExpired(produced, { reason, occurredAt: '2025-08-01T12:16:30.000Z' });
        const { runs } = givenSaga([aWorkflowDefined(producer()), produced]).when(expired);
        expect(runs[0]).toMatchObject({
          partitionKey: '2025-08-01T12:15',
          priority: 2,
          runKey: `asset-obs.raw-2025-08-01T12:15-expiry-${reason}`,
          parameters: {
            site: 'default',
            partitionKey: '2025-08-01T12:15',
            windowStart: '2025-08-01T12:15:00.000Z',
            windowEnd: '2025-08-01T12:16:00.000Z',
          },
          trigger: { reason: 'expiry', assetId: 'obs.raw', expiry: { reason }, chain: ['ingest'] },
        });
      }
      expect(saga.state.latest.size).toBe(1);
    });

    it('ignores the expiry after a newer materialization', () => {
      const old = produce('2025-08-01T12:15');
      const newer = produce('2025-08-01T12:15', { producedAt: '2025-08-01T12:15:50.000Z' });
      const { runs, decisions } = givenSaga([aWorkflowDefined(producer()), old, newer]).when(
        anAssetExpired(old, { occurredAt: '2025-08-01T12:16:30.000Z' }),
      );
      expect(runs).toEqual([]);
      expect(decisions).toEqual([expect.objectContaining({ outcome: 'skipped', reason: 'newer_materialization' })]);
    });

    it('skips windows outside the lookback, so a minute TTL does not re-run every past minute (B17)', () => {
      const produced = produce('2025-08-01T12:00');
      const { runs, decisions } = givenSaga([aWorkflowDefined(producer()), produced]).when(
        anAssetExpired(produced, { occurredAt: '2025-08-01T12:10:30.000Z' }),
      );
      expect(runs).toEqual([]);
      expect(decisions).toEqual([expect.objectContaining({ outcome: 'skipped', reason: 'outside_lookback' })]);
      const inside = givenSaga([aWorkflowDefined(producer()), produced]).when(
        anAssetExpired(produced, { occurredAt: '2025-08-01T12:09:30.000Z' }),
      );
      expect(inside.runs).toHaveLength(1);
    });

    it('ignores assets without a policy and records policy_disabled for a switched-off one', () => {
      const produced = produce('2025-08-01T12:15');
      const expired = anAssetExpired(produced, { occurredAt: '2025-08-01T12:16:30.000Z' });
      const without = givenSaga([aWorkflowDefined(producer({ autoMaterialize: undefined })), produced]).when(expired);
      expect(without.output.events).toEqual([]);
      const off = givenSaga([aWorkflowDefined(producer({ autoMaterialize: { enabled: false } })), produced]).when(
        expired,
      );
      expect(off.decisions).toEqual([expect.objectContaining({ outcome: 'skipped', reason: 'policy_disabled' })]);
    });
  });
});
