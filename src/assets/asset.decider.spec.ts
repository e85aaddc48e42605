import { deciderSpec } from '../../test/support/decider-spec.js';
import type { WorkflowDefinition, WorkflowStep } from '../workflows/workflow-definition.js';
import {
  evolveWorkflow,
  initialWorkflowState,
  type WorkflowEvent,
  type WorkflowState,
} from '../workflows/workflow.decider.js';
import type { AssetCommand } from './asset.commands.js';
import { decideAsset, type DecidedAssetEvent } from './asset.decider.js';

const build = (produces: WorkflowStep['produces']): WorkflowStep => ({
  id: 'build',
  type: 'job',
  jobSlug: 'build',
  dependsOn: [],
  retries: 0,
  produces,
  consumes: [{ assetId: 'sales.daily' }],
});

/** `workflow.definition.updated` of workflow `reports` at a version, with the assets its step produces. */
const defined = (version: number, produces: WorkflowStep['produces']): WorkflowEvent => {
  const workflow: WorkflowDefinition = {
    id: 'wf-1',
    slug: 'reports',
    name: 'Reports',
    version,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    steps: [build(produces)],
  };
  return { type: 'workflow.definition.updated', data: { workflow } };
};

const monthly = { assetId: 'reports.monthly', partitioning: { type: 'static' as const, keys: ['2024-01', '2024-02'] } };
const summary = { assetId: 'reports.summary' };
const registered = defined(1, [monthly, summary]);

/** The asset decider decides against the workflow's definition, folded from the workflow's events. */
const spec = deciderSpec<WorkflowState, WorkflowEvent, AssetCommand, DecidedAssetEvent>({
  evolve: evolveWorkflow,
  initial: initialWorkflowState,
  // The shell answers workflow_not_found before deciding (WorkflowCommandService.require): every case gives one.
  decide: (command, workflow) => decideAsset(command, workflow!),
});

const context = { actor: 'runner', now: '2025-01-02T00:00:00.000Z' };

describe('asset decider', () => {
  describe('when the workflow declares a partitioned asset', () => {
    it('marks a partition stale with the trimmed key and note', () => {
      spec
        .given([registered])
        .when({
          type: 'MarkStale',
          assetId: 'reports.monthly',
          partitionKey: ' 2024-01 ',
          note: '  bad data ',
          triggerRun: true,
          ...context,
        })
        .then((event) =>
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
          }),
        );
    });

    it('requires a partition key', () => {
      spec
        .given([registered])
        .when({ type: 'ClearStale', assetId: 'reports.monthly', ...context })
        .thenThrows('partition_key_required');
      spec
        .given([registered])
        .when({
          type: 'SetPartitionParameters',
          assetId: 'reports.monthly',
          partitionKey: '  ',
          parameters: {},
          ...context,
        })
        .thenThrows('partition_key_required');
    });

    it('refuses a key outside the partitioning', () => {
      spec
        .given([registered])
        .when({ type: 'DeletePartitionParameters', assetId: 'reports.monthly', partitionKey: '2024-09', ...context })
        .thenThrows('invalid_partition_key');
    });

    it('stores manual partition parameters', () => {
      spec
        .given([registered])
        .when({
          type: 'SetPartitionParameters',
          assetId: 'reports.monthly',
          partitionKey: '2024-02',
          parameters: { region: 'eu' },
          ...context,
        })
        .then((event) =>
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
          }),
        );
    });

    it('clears a stale mark and deletes stored parameters of a valid partition', () => {
      spec
        .given([registered])
        .when({ type: 'ClearStale', assetId: 'reports.monthly', partitionKey: '2024-02', ...context })
        .then((event) =>
          expect(event).toEqual({
            type: 'asset.stale.cleared',
            data: {
              assetId: 'reports.monthly',
              workflowSlug: 'reports',
              partitionKey: '2024-02',
              clearedBy: 'runner',
              clearedAt: context.now,
            },
          }),
        );
      spec
        .given([registered])
        .when({ type: 'DeletePartitionParameters', assetId: 'reports.monthly', partitionKey: '2024-01', ...context })
        .then((event) =>
          expect(event).toEqual({
            type: 'asset.partition-parameters.deleted',
            data: {
              assetId: 'reports.monthly',
              workflowSlug: 'reports',
              partitionKey: '2024-01',
              deletedBy: 'runner',
              deletedAt: context.now,
            },
          }),
        );
    });
  });

  describe('when the asset is unpartitioned', () => {
    it('uses no partition key and turns a blank note into null', () => {
      spec
        .given([registered])
        .when({ type: 'MarkStale', assetId: 'reports.summary', note: '   ', triggerRun: false, ...context })
        .then((event) => expect(event.data).toMatchObject({ partitionKey: null, note: null, triggerRun: false }));
    });

    it('refuses a partition key', () => {
      spec
        .given([registered])
        .when({ type: 'ClearStale', assetId: 'reports.summary', partitionKey: '2024-01', ...context })
        .thenThrows('invalid_partition_key');
    });

    it('accepts an asset the workflow only consumes', () => {
      spec
        .given([registered])
        .when({ type: 'DeletePartitionParameters', assetId: 'sales.daily', ...context })
        .then((event) => expect(event.type).toBe('asset.partition-parameters.deleted'));
    });
  });

  describe('when the workflow does not declare the asset', () => {
    it('answers asset_not_found, matching ids exactly (case-sensitive)', () => {
      spec
        .given([registered])
        .when({ type: 'ClearStale', assetId: 'unknown.asset', ...context })
        .thenThrows('asset_not_found');
      spec
        .given([registered])
        .when({ type: 'ClearStale', assetId: 'Reports.Summary', ...context })
        .thenThrows('asset_not_found');
    });
  });

  describe('when a later definition changed the asset', () => {
    it('decides on the latest definition: an asset it no longer declares is not found', () => {
      spec
        .given([registered, defined(2, [summary])])
        .when({ type: 'ClearStale', assetId: 'reports.monthly', partitionKey: '2024-01', ...context })
        .thenThrows('asset_not_found');
    });

    it('validates keys against the latest partitioning', () => {
      const widened = { ...monthly, partitioning: { type: 'static' as const, keys: ['2024-01', '2024-09'] } };
      spec
        .given([registered, defined(2, [widened, summary])])
        .when({ type: 'DeletePartitionParameters', assetId: 'reports.monthly', partitionKey: '2024-09', ...context })
        .then((event) => expect(event.data.partitionKey).toBe('2024-09'));
      spec
        .given([registered, defined(2, [widened, summary])])
        .when({ type: 'DeletePartitionParameters', assetId: 'reports.monthly', partitionKey: '2024-02', ...context })
        .thenThrows('invalid_partition_key');
    });
  });
});
