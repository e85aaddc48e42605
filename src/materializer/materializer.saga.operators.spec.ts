import {
  anAssetProduced,
  anAssetStaleMarked,
  aPartitionParametersDeleted,
  aPartitionParametersSet,
} from '../../test/support/builders/asset-events.js';
import { aStep, aWorkflow, aWorkflowDefined } from '../../test/support/builders/materializer-events.js';
import { givenSaga } from '../../test/support/saga-spec.js';
import { minute, produce, producer } from '../../test/support/builders/minute-ingest.js';

describe('materializer saga: stale marks and stored partition parameters', () => {
  describe('when an operator marks a partition stale', () => {
    it('requests a rerun only when asked to (triggerRun)', () => {
      const saga = givenSaga([aWorkflowDefined(producer())]);
      expect(
        saga.when(anAssetStaleMarked({ assetId: 'obs.raw', workflowSlug: 'ingest', partitionKey: '2025-08-01T12:15' }))
          .runs,
      ).toEqual([]);
      const { runs } = saga.when(
        anAssetStaleMarked({
          assetId: 'obs.raw',
          workflowSlug: 'ingest',
          partitionKey: '2025-08-01T12:15',
          triggerRun: true,
        }),
      );
      expect(runs[0]).toMatchObject({
        partitionKey: '2025-08-01T12:15',
        trigger: { reason: 'stale-mark', assetId: 'obs.raw' },
      });
    });
  });

  describe('when partition parameters are stored (the original scenario 5)', () => {
    const target = aWorkflow(
      'reports',
      [
        aStep('r', {
          consumes: ['obs.raw'],
          produces: [
            {
              assetId: 'obs.report',
              partitioning: minute,
              autoMaterialize: {
                onUpstreamUpdate: true,
                parameterDefaults: { reportsPrefix: '/pd', depth: { a: 1, b: 1 } },
              },
            },
          ],
        }),
      ],
      {
        defaultParameters: { reportsPrefix: '/default/reports', metastoreNamespace: 'default.namespace' },
      },
    );
    const key = '2025-10-21T14:40';
    const captured = {
      partitionKey: key,
      reportsPrefix: '/custom/reports',
      metastoreNamespace: 'custom.namespace',
      siteFilter: 'site-42',
      depth: { b: 2 },
    };

    it('reuses the parameters captured from the partition’s last production, layered over the defaults', () => {
      const manualRun = anAssetProduced({
        assetId: 'obs.report',
        workflowSlug: 'reports',
        partitionKey: key,
        parameters: captured,
      });
      const { runs } = givenSaga([aWorkflowDefined(producer()), aWorkflowDefined(target), manualRun]).when(
        produce(key),
      );
      expect(runs[0]!.partitionKey).toBe(key);
      expect(runs[0]!.parameters).toEqual({
        ...captured,
        depth: { a: 1, b: 2 },
        windowStart: '2025-10-21T14:40:00.000Z',
        windowEnd: '2025-10-21T14:41:00.000Z',
      });
    });

    it('keeps manually saved parameters over captured ones until they are deleted', () => {
      const manual = aPartitionParametersSet({
        assetId: 'obs.report',
        workflowSlug: 'reports',
        partitionKey: key,
        parameters: { siteFilter: 'manual' },
      });
      const later = anAssetProduced({
        assetId: 'obs.report',
        workflowSlug: 'reports',
        partitionKey: key,
        parameters: captured,
      });
      const saga = givenSaga([aWorkflowDefined(producer()), aWorkflowDefined(target), manual, later]);
      expect(saga.when(produce(key)).runs[0]!.parameters).toMatchObject({ siteFilter: 'manual', reportsPrefix: '/pd' });
      const deleted = givenSaga([
        aWorkflowDefined(producer()),
        aWorkflowDefined(target),
        manual,
        aPartitionParametersDeleted({ assetId: 'obs.report', workflowSlug: 'reports', partitionKey: key }),
      ]);
      expect(deleted.when(produce(key)).runs[0]!.parameters).not.toHaveProperty('siteFilter');
    });
  });
});
