import type { DomainError } from '../domain/domain-error.js';
import type { WorkflowDefinition } from '../workflows/workflow-definition.js';
import type { AssetCommand } from './asset.commands.js';
import { decideAsset } from './asset.decider.js';

const workflow: WorkflowDefinition = {
  id: 'wf-1',
  slug: 'reports',
  name: 'Reports',
  version: 1,
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
  steps: [
    {
      id: 'build',
      type: 'job',
      jobSlug: 'build',
      dependsOn: [],
      retries: 0,
      produces: [
        { assetId: 'reports.monthly', partitioning: { type: 'static', keys: ['2024-01', '2024-02'] } },
        { assetId: 'reports.summary' },
      ],
      consumes: [{ assetId: 'sales.daily' }],
    },
  ],
};

const context = { actor: 'runner', now: '2025-01-02T00:00:00.000Z' };

function failure(command: AssetCommand): DomainError {
  try {
    decideAsset(command, workflow);
  } catch (error) {
    return error as DomainError;
  }
  throw new Error('expected the command to be rejected');
}

describe('asset decider', () => {
  describe('when the workflow declares a partitioned asset', () => {
    it('marks a partition stale with the trimmed key and note', () => {
      const event = decideAsset(
        {
          type: 'MarkStale',
          assetId: 'reports.monthly',
          partitionKey: ' 2024-01 ',
          note: '  bad data ',
          triggerRun: true,
          ...context,
        },
        workflow,
      );
      expect(event).toEqual({
        type: 'asset.stale.marked',
        data: {
          assetId: 'reports.monthly',
          workflowSlug: 'reports',
          partitionKey: '2024-01',
          requestedBy: 'runner',
          requestedAt: context.now,
          note: 'bad data',
          triggerRun: true,
        },
      });
    });

    it('requires a partition key', () => {
      expect(failure({ type: 'ClearStale', assetId: 'reports.monthly', ...context }).code).toBe(
        'partition_key_required',
      );
      expect(
        failure({
          type: 'SetPartitionParameters',
          assetId: 'reports.monthly',
          partitionKey: '  ',
          parameters: {},
          ...context,
        }).code,
      ).toBe('partition_key_required');
    });

    it('refuses a key outside the partitioning', () => {
      expect(
        failure({ type: 'DeletePartitionParameters', assetId: 'reports.monthly', partitionKey: '2024-09', ...context })
          .code,
      ).toBe('invalid_partition_key');
    });

    it('stores manual partition parameters', () => {
      const event = decideAsset(
        {
          type: 'SetPartitionParameters',
          assetId: 'reports.monthly',
          partitionKey: '2024-02',
          parameters: { region: 'eu' },
          ...context,
        },
        workflow,
      );
      expect(event).toEqual({
        type: 'asset.partition-parameters.set',
        data: {
          assetId: 'reports.monthly',
          workflowSlug: 'reports',
          partitionKey: '2024-02',
          parameters: { region: 'eu' },
          source: 'manual',
          setBy: 'runner',
          setAt: context.now,
        },
      });
    });
  });

  describe('when the asset is unpartitioned', () => {
    it('uses no partition key and turns a blank note into null', () => {
      const event = decideAsset(
        { type: 'MarkStale', assetId: 'reports.summary', note: '   ', triggerRun: false, ...context },
        workflow,
      );
      expect(event.data).toMatchObject({ partitionKey: null, note: null, triggerRun: false });
    });

    it('refuses a partition key', () => {
      expect(
        failure({ type: 'ClearStale', assetId: 'reports.summary', partitionKey: '2024-01', ...context }).code,
      ).toBe('invalid_partition_key');
    });

    it('accepts an asset the workflow only consumes', () => {
      expect(
        decideAsset({ type: 'DeletePartitionParameters', assetId: 'sales.daily', ...context }, workflow).type,
      ).toBe('asset.partition-parameters.deleted');
    });
  });

  describe('when the workflow does not declare the asset', () => {
    it('answers asset_not_found, matching ids exactly (case-sensitive)', () => {
      expect(failure({ type: 'ClearStale', assetId: 'unknown.asset', ...context }).code).toBe('asset_not_found');
      expect(failure({ type: 'ClearStale', assetId: 'Reports.Summary', ...context }).code).toBe('asset_not_found');
    });
  });
});
