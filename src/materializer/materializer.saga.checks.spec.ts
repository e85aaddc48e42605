import { anAssetExpired, anAssetProduced } from '../../test/support/builders/asset-events.js';
import { aBackfillRequested, aPartitionRequested } from '../../test/support/builders/backfill-events.js';
import { aStep, aWorkflow, aWorkflowDefined } from '../../test/support/builders/materializer-events.js';
import { givenSaga } from '../../test/support/saga-spec.js';
import type { AssetDeclaration } from '../workflows/workflow-definition.js';
import { assetPartitionKey, targetKey } from './saga-state.js';
import { batchKeys } from './materializer.reads.js';

// Blocking checks downstream of a materialization (issue 20, DESIGN §14): expiries and backfills of a workflow whose
// input failed a blocking check are stopped like its upstream updates, until a materialization of that input passes.

const daily = { type: 'timeWindow' as const, granularity: 'day' as const };
const DAY = '2025-01-02';
const AT = '2025-01-02T12:00:00.000Z';
const source = aWorkflow('source', [
  aStep('s', {
    produces: [
      { assetId: 'src.rows', partitioning: daily, checks: [{ name: 'rows', severity: 'error', blocking: true }] },
    ],
  }),
]);
const other = aWorkflow('other', [aStep('o', { produces: [{ assetId: 'src.other', partitioning: daily }] })]);
/** Consumes both inputs; its report expires (ttl) and is re-run on expiry; `onUpstreamUpdate` as given. */
const report = (onUpstreamUpdate: boolean) => {
  const declaration: AssetDeclaration = {
    assetId: 'report.daily',
    partitioning: { ...daily, lookbackWindows: 30 },
    freshness: { ttlMs: 60_000 },
    autoMaterialize: onUpstreamUpdate ? { onUpstreamUpdate: true } : {},
  };
  return aWorkflow('report', [aStep('r', { consumes: ['src.rows', 'src.other'], produces: [declaration] })]);
};
const rows = (failedBlockingChecks: string[], partitionKey = DAY) =>
  anAssetProduced({
    assetId: 'src.rows',
    workflowSlug: 'source',
    partitionKey,
    failedBlockingChecks,
    occurredAt: AT,
    producedAt: AT,
  });
const reportProduced = (failedBlockingChecks?: string[]) =>
  anAssetProduced({
    assetId: 'report.daily',
    workflowSlug: 'report',
    partitionKey: DAY,
    occurredAt: AT,
    producedAt: AT,
    ...(failedBlockingChecks ? { failedBlockingChecks } : {}),
  });
const expiredAt = (produced: ReturnType<typeof reportProduced>) =>
  anAssetExpired(produced, { occurredAt: '2025-01-02T12:01:30.000Z' });
const graph = (optedIn = false) => [
  aWorkflowDefined(source),
  aWorkflowDefined(other),
  aWorkflowDefined(report(optedIn)),
];

describe('materializer saga: failed blocking checks stop expiry and backfill triggers downstream', () => {
  describe('when an input of the expired asset’s producer failed a blocking check', () => {
    it('skips the expiry with blocked-by-check naming the input, and holds it', () => {
      const produced = reportProduced();
      const failed = rows(['rows']);
      const saga = givenSaga([...graph(), produced, failed]);
      const { runs, decisions, state } = saga.when(expiredAt(produced));
      expect(runs).toEqual([]);
      expect(decisions).toEqual([
        expect.objectContaining({
          outcome: 'skipped',
          reason: 'blocked-by-check',
          workflowSlug: 'report',
          partitionKey: DAY,
          assetId: 'report.daily',
          detail: expect.stringMatching(/rows.*"src\.rows" \(partition 2025-01-02\).*expiry trigger held/),
          trigger: expect.objectContaining({ reason: 'expiry' }),
        }),
      ]);
      expect(state.targets.get(targetKey('report', DAY))?.checkBlock).toEqual({
        inputs: [{ assetId: 'src.rows', partitionKey: DAY, eventId: failed.id, seq: failed.seq, checks: ['rows'] }],
        heldExpiry: expect.objectContaining({ reason: 'expiry', assetId: 'report.daily' }),
      });
    });

    it('runs the held expiry when a passing materialization of the input arrives, once', () => {
      const produced = reportProduced();
      const saga = givenSaga([...graph(), produced, rows(['rows']), expiredAt(produced)]);
      const passing = rows([]);
      const released = saga.when(passing);
      expect(released.runs).toEqual([
        expect.objectContaining({
          partitionKey: DAY,
          trigger: expect.objectContaining({ type: 'auto-materialize', reason: 'expiry', assetId: 'report.daily' }),
        }),
      ]);
      expect(released.decisions).toEqual([
        expect.objectContaining({
          outcome: 'enqueued',
          reason: 'expiry',
          cause: expect.objectContaining({ eventId: passing.id }),
        }),
      ]);
      expect(saga.state.targets.get(targetKey('report', DAY))?.checkBlock).toBeUndefined();
      expect(saga.when(rows([])).runs).toEqual([]);
    });

    it('plans the parameters the release reads into the batch (the shell loads only planned keys)', () => {
      const produced = reportProduced();
      const saga = givenSaga([...graph(), produced, rows(['rows']), expiredAt(produced)]);
      expect([...batchKeys([rows([])], saga.state).parameters]).toContain(
        assetPartitionKey('report', 'report.daily', DAY),
      );
    });

    it('lets the upstream update’s own run serve the held expiry when the producer opted in (one run, not two)', () => {
      const produced = reportProduced();
      const saga = givenSaga([...graph(true), produced, rows(['rows']), expiredAt(produced)]);
      const { runs, decisions } = saga.when(rows([]));
      expect(runs).toHaveLength(1);
      expect(decisions).toEqual([expect.objectContaining({ outcome: 'enqueued', reason: 'upstream-update' })]);
    });

    it('keeps holding while another input is still blocked, and forgets the expiry once the asset is produced again', () => {
      const produced = reportProduced();
      const otherFailed = anAssetProduced({
        assetId: 'src.other',
        workflowSlug: 'other',
        partitionKey: DAY,
        failedBlockingChecks: ['fresh'],
      });
      const saga = givenSaga([...graph(), produced, rows(['rows']), otherFailed, expiredAt(produced)]);
      const still = saga.when(rows([]));
      expect(still.runs).toEqual([]);
      expect(saga.state.targets.get(targetKey('report', DAY))?.checkBlock?.inputs).toEqual([
        expect.objectContaining({ assetId: 'src.other', checks: ['fresh'] }),
      ]);
      saga.when(reportProduced());
      expect(saga.state.targets.get(targetKey('report', DAY))?.checkBlock?.heldExpiry).toBeNull();
      const passed = saga.when(anAssetProduced({ assetId: 'src.other', workflowSlug: 'other', partitionKey: DAY }));
      expect(passed.runs).toEqual([]);
      expect(saga.state.targets.get(targetKey('report', DAY))).toBeUndefined();
    });

    it('does not stop the expiry for another partition of the input', () => {
      const produced = reportProduced();
      const { runs } = givenSaga([...graph(), produced, rows(['rows'], '2025-01-01')]).when(expiredAt(produced));
      expect(runs).toHaveLength(1);
    });
  });

  describe('when the expired asset’s own materialization failed a blocking check', () => {
    it('re-runs its producer: the rerun is how a passing materialization arrives, not downstream of the failed one', () => {
      const produced = reportProduced(['complete']);
      const { runs, decisions } = givenSaga([...graph(), produced]).when(expiredAt(produced));
      expect(runs).toHaveLength(1);
      expect(decisions).toEqual([expect.objectContaining({ outcome: 'enqueued', reason: 'expiry' })]);
    });
  });

  describe('when an input of a backfilled partition failed a blocking check', () => {
    const backfill = aBackfillRequested({
      workflowSlug: 'report',
      assetId: 'report.daily',
      partitionKeys: [DAY],
      parameters: null,
    }).data;

    it('skips the partition with blocked-by-check and the backfill in the trigger; a later release after a pass runs', () => {
      const saga = givenSaga([...graph(), rows(['rows'])]);
      const blocked = saga.when(aPartitionRequested(backfill, DAY));
      expect(blocked.runs).toEqual([]);
      expect(blocked.decisions).toEqual([
        expect.objectContaining({
          outcome: 'skipped',
          reason: 'blocked-by-check',
          detail: expect.stringContaining('backfill trigger skipped'),
          trigger: expect.objectContaining({ reason: 'backfill', backfillIds: [backfill.backfillId] }),
        }),
      ]);
      expect(saga.state.targets.get(targetKey('report', DAY))?.checkBlock?.heldExpiry).toBeNull();
      expect(saga.when(rows([])).runs).toEqual([]);
      const again = aBackfillRequested({ workflowSlug: 'report', assetId: 'report.daily', partitionKeys: [DAY] }).data;
      expect(saga.when(aPartitionRequested(again, DAY)).runs).toEqual([
        expect.objectContaining({
          trigger: expect.objectContaining({ type: 'backfill', backfillId: again.backfillId }),
        }),
      ]);
    });
  });

  describe('when another input updates while one is blocked', () => {
    it('skips the upstream update too: its run would read the failed input', () => {
      const saga = givenSaga([...graph(true), rows(['rows'])]);
      const { runs, decisions } = saga.when(
        anAssetProduced({ assetId: 'src.other', workflowSlug: 'other', partitionKey: DAY }),
      );
      expect(runs).toEqual([]);
      expect(decisions).toEqual([
        expect.objectContaining({
          outcome: 'skipped',
          reason: 'blocked-by-check',
          detail: expect.stringContaining('"src.rows"'),
        }),
      ]);
    });
  });
});
