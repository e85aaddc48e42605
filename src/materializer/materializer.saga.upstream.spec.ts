import { anAssetProduced } from '../../test/support/builders/asset-events.js';
import { aStep, aWorkflow, aWorkflowDefined } from '../../test/support/builders/materializer-events.js';
import { givenSaga } from '../../test/support/saga-spec.js';
import { derivedEventId } from '../events/envelope.js';
import type { AssetDeclaration } from '../workflows/workflow-definition.js';

const optedIn = (assetId: string, extra: Partial<AssetDeclaration> = {}): AssetDeclaration => ({
  assetId,
  autoMaterialize: { onUpstreamUpdate: true, priority: 5 },
  ...extra,
});
const source = aWorkflow('source', [aStep('s', { produces: [{ assetId: 'asset.source' }] })]);
const target = aWorkflow('target', [aStep('t', { consumes: ['asset.source'], produces: [optedIn('asset.target')] })], {
  defaultParameters: { environment: 'production', region: 'us-east-1' },
});
const produceSource = (overrides: Parameters<typeof anAssetProduced>[0] = {}) =>
  anAssetProduced({ assetId: 'asset.source', workflowSlug: 'source', ...overrides });

describe('materializer saga: upstream updates', () => {
  describe('when a consumer opted in', () => {
    it('requests one auto run with a derived id, the trigger, run key, priority and the default parameters', () => {
      const produced = produceSource({ workflowRunId: 'up-run-1' });
      const { runs, decisions } = givenSaga([aWorkflowDefined(source), aWorkflowDefined(target)]).when(produced);
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({
        runId: derivedEventId(produced.id, 'auto-run', 'target', null),
        partitionKey: null,
        parameters: { environment: 'production', region: 'us-east-1' },
        runKey: 'asset-asset.source-upstream-update-up-run-1',
        priority: 5,
        trigger: {
          type: 'auto-materialize',
          reason: 'upstream-update',
          assetId: 'asset.source',
          upstream: { workflowSlug: 'source', runId: 'up-run-1', eventSeq: produced.seq },
          chain: ['source', 'target'],
        },
      });
      expect(decisions).toEqual([
        expect.objectContaining({
          outcome: 'enqueued',
          reason: 'upstream-update',
          workflowSlug: 'target',
          runId: runs[0]!.runId,
          cause: { eventId: produced.id, type: 'asset.produced', seq: produced.seq },
        }),
      ]);
    });

    it('decides nothing again for a trigger event it already handled (redelivery after the dedupe window)', () => {
      const produced = produceSource();
      const saga = givenSaga([aWorkflowDefined(source), aWorkflowDefined(target), produced]);
      const again = saga.when({ ...produced, seq: produced.seq + 1000 });
      expect(again.output).toEqual({ events: [], commands: [] });
    });
  });

  describe('when a blocking check failed on the upstream materialization (issue 20)', () => {
    it('skips the trigger with blocked-by-check, and a passing materialization triggers again', () => {
      const saga = givenSaga([aWorkflowDefined(source), aWorkflowDefined(target)]);
      const failed = produceSource({ workflowRunId: 'up-fail', failedBlockingChecks: ['rows'] });
      const blocked = saga.when(failed);
      expect(blocked.runs).toEqual([]);
      expect(blocked.decisions).toEqual([
        expect.objectContaining({
          outcome: 'skipped',
          reason: 'blocked-by-check',
          workflowSlug: 'target',
          detail: expect.stringContaining('rows'),
          cause: { eventId: failed.id, type: 'asset.produced', seq: failed.seq },
        }),
      ]);
      const passing = saga.when(produceSource({ workflowRunId: 'up-pass', failedBlockingChecks: [] }));
      expect(passing.runs).toHaveLength(1);
      expect(passing.decisions).toEqual([expect.objectContaining({ outcome: 'enqueued', reason: 'upstream-update' })]);
    });
  });

  describe('when the consumer is not an opted-in other workflow', () => {
    it('never lets a producer trigger itself (self-consumption)', () => {
      const self = aWorkflow('self', [aStep('a', { consumes: ['loop.asset'], produces: [optedIn('loop.asset')] })]);
      const { output } = givenSaga([aWorkflowDefined(self)]).when(
        anAssetProduced({ assetId: 'loop.asset', workflowSlug: 'self' }),
      );
      expect(output.events).toEqual([]);
    });

    it('ignores a consumer step in the same workflow', () => {
      const pipeline = aWorkflow('pipeline', [
        aStep('a', { produces: [{ assetId: 'p.raw' }] }),
        aStep('b', { dependsOn: ['a'], consumes: ['p.raw'], produces: [optedIn('p.clean')] }),
      ]);
      const { output } = givenSaga([aWorkflowDefined(pipeline)]).when(
        anAssetProduced({ assetId: 'p.raw', workflowSlug: 'pipeline' }),
      );
      expect(output.events).toEqual([]);
    });

    it('ignores consumers without a policy and only counts the step that consumes the asset (no workflow-wide opt-in, B4)', () => {
      const plain = aWorkflow('plain', [
        aStep('a', { consumes: ['asset.source'], produces: [{ assetId: 'x.plain' }] }),
      ]);
      const unrelated = aWorkflow('unrelated', [
        aStep('a', { consumes: ['asset.source'], produces: [{ assetId: 'x.a' }] }),
        aStep('b', { consumes: ['other'], produces: [optedIn('x.b')] }),
      ]);
      const { output } = givenSaga([
        aWorkflowDefined(source),
        aWorkflowDefined(plain),
        aWorkflowDefined(unrelated),
      ]).when(produceSource());
      expect(output.events).toEqual([]);
    });

    it('records policy_disabled when the opted-in asset has enabled: false', () => {
      const off = aWorkflow('off', [
        aStep('a', {
          consumes: ['asset.source'],
          produces: [{ assetId: 'x.off', autoMaterialize: { onUpstreamUpdate: true, enabled: false } }],
        }),
      ]);
      const { decisions, runs } = givenSaga([aWorkflowDefined(source), aWorkflowDefined(off)]).when(produceSource());
      expect(runs).toEqual([]);
      expect(decisions).toEqual([
        expect.objectContaining({ outcome: 'skipped', reason: 'policy_disabled', workflowSlug: 'off' }),
      ]);
    });
  });

  describe('when workflows consume each other (report ↔ archive)', () => {
    const report = aWorkflow('report', [aStep('r', { consumes: ['dir.archive'], produces: [optedIn('dir.report')] })]);
    const archive = aWorkflow('archive', [
      aStep('a', { consumes: ['dir.report'], produces: [optedIn('dir.archive')] }),
    ]);

    it('runs the other side once, then skips the way back as a cycle', () => {
      const saga = givenSaga([aWorkflowDefined(report), aWorkflowDefined(archive)]);
      const first = saga.when(
        anAssetProduced({ assetId: 'dir.report', workflowSlug: 'report', workflowRunId: 'manual-report' }),
      );
      expect(first.runs).toHaveLength(1);
      expect(first.runs[0]!.trigger.chain).toEqual(['report', 'archive']);
      const back = saga.when(
        anAssetProduced({ assetId: 'dir.archive', workflowSlug: 'archive', workflowRunId: first.runs[0]!.runId }),
      );
      expect(back.runs).toEqual([]);
      expect(back.decisions).toEqual([
        expect.objectContaining({ outcome: 'skipped', reason: 'cycle', workflowSlug: 'report' }),
      ]);
    });
  });

  describe('when assets are partitioned', () => {
    const daily = { type: 'timeWindow', granularity: 'day' } as const;
    const hourly = { type: 'timeWindow', granularity: 'hour' } as const;
    const up = (partitioning: AssetDeclaration['partitioning']) =>
      aWorkflow('up', [aStep('u', { produces: [{ assetId: 'up.data', ...(partitioning ? { partitioning } : {}) }] })]);
    const down = (partitioning: AssetDeclaration['partitioning'], slug = 'down') =>
      aWorkflow(slug, [
        aStep('d', { consumes: ['up.data'], produces: [optedIn('down.data', partitioning ? { partitioning } : {})] }),
      ]);
    const decide = (from: AssetDeclaration['partitioning'], to: AssetDeclaration['partitioning'], key: string | null) =>
      givenSaga([aWorkflowDefined(up(from)), aWorkflowDefined(down(to))]).when(
        anAssetProduced({ assetId: 'up.data', workflowSlug: 'up', partitionKey: key }),
      );

    it('keeps the key for an identically partitioned target, with window parameters', () => {
      const { runs } = decide(daily, daily, '2024-01-05');
      expect(runs[0]).toMatchObject({
        partitionKey: '2024-01-05',
        parameters: {
          partitionKey: '2024-01-05',
          windowStart: '2024-01-05T00:00:00.000Z',
          windowEnd: '2024-01-06T00:00:00.000Z',
        },
      });
    });

    it('maps a finer window to the coarser window that contains it', () => {
      expect(decide(hourly, daily, '2024-01-05T13').runs[0]!.partitionKey).toBe('2024-01-05');
    });

    it('gives an unpartitioned target no key', () => {
      expect(decide(daily, undefined, '2024-01-05').runs[0]).toMatchObject({ partitionKey: null, parameters: {} });
    });

    it('skips keys that cannot be mapped as partition_mismatch, never sending them into a run (B10)', () => {
      for (const [from, to, key] of [
        [daily, hourly, '2024-01-05'],
        [{ type: 'static', keys: ['a'] }, daily, 'a'],
        [undefined, daily, null],
        [{ type: 'dynamic' }, { type: 'static', keys: ['x'] }, 'y'],
      ] as Array<[AssetDeclaration['partitioning'], AssetDeclaration['partitioning'], string | null]>) {
        const { runs, decisions } = decide(from, to, key);
        expect(runs).toEqual([]);
        expect(decisions).toEqual([expect.objectContaining({ outcome: 'skipped', reason: 'partition_mismatch' })]);
      }
    });

    it('requests one run per upstream partition, independently', () => {
      const saga = givenSaga([aWorkflowDefined(up(daily)), aWorkflowDefined(down(daily))]);
      const results = saga.whenAll(
        ['2024-01-01', '2024-01-02', '2024-01-03'].map((key) =>
          anAssetProduced({ assetId: 'up.data', workflowSlug: 'up', partitionKey: key }),
        ),
      );
      expect(results.flatMap((r) => r.runs.map((run) => run.partitionKey))).toEqual([
        '2024-01-01',
        '2024-01-02',
        '2024-01-03',
      ]);
    });
  });
});
