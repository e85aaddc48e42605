import { DomainError, ValidationError } from '../domain/domain-error.js';
import type { NewEvent } from '../events/envelope.js';
import type { WorkflowDefinition } from '../workflows/workflow-definition.js';
import type { AssetCommand } from './asset.commands.js';
import { declarationsOf, partitioningOf } from './asset-declarations.js';
import type { AssetEventMap } from './asset.events.js';
import { validatePartitionKey, type Partitioning } from '../partitions/index.js';

/** An asset event as the decider returns it; the shell wraps it in an envelope. */
export type DecidedAssetEvent = { [K in keyof AssetEventMap]: NewEvent<K, AssetEventMap[K]> }[keyof AssetEventMap];

/**
 * Decides an operator's asset command against the workflow definition (read from the event log). Pure: throws
 * `asset_not_found` when the workflow does not declare the asset (exact, case-sensitive id — B9),
 * `partition_key_required` / `invalid_partition_key` when the key breaks the asset's partitioning, and otherwise
 * returns the one event to append.
 */
export function decideAsset(command: AssetCommand, workflow: WorkflowDefinition): DecidedAssetEvent {
  const partitioning = requireDeclaredPartitioning(workflow, command.assetId);
  const partitionKey = resolvePartitionKey(partitioning, command.partitionKey, '/partitionKey');
  const base = { assetId: command.assetId, workflowSlug: workflow.slug, partitionKey };
  switch (command.type) {
    case 'MarkStale':
      return {
        type: 'asset.stale.marked',
        data: {
          ...base,
          requestedBy: command.actor,
          requestedAt: command.now,
          note: command.note?.trim() || null,
          triggerRun: command.triggerRun,
        },
      };
    case 'ClearStale':
      return { type: 'asset.stale.cleared', data: { ...base, clearedBy: command.actor, clearedAt: command.now } };
    case 'SetPartitionParameters':
      return {
        type: 'asset.partition-parameters.set',
        data: { ...base, parameters: command.parameters, source: 'manual', setBy: command.actor, setAt: command.now },
      };
    case 'DeletePartitionParameters':
      return {
        type: 'asset.partition-parameters.deleted',
        data: { ...base, deletedBy: command.actor, deletedAt: command.now },
      };
  }
}

/** The asset's partitioning in the workflow; `asset_not_found` unless the workflow declares the exact id. */
export function requireDeclaredPartitioning(workflow: WorkflowDefinition, assetId: string): Partitioning | null {
  const declarations = declarationsOf(workflow).filter((declaration) => declaration.assetId === assetId);
  if (declarations.length === 0) {
    throw new DomainError('asset_not_found', `Workflow "${workflow.slug}" does not declare the asset "${assetId}".`, {
      slug: workflow.slug,
      assetId,
    });
  }
  return partitioningOf(declarations);
}

/**
 * The partition key a request names: required and valid for a partitioned asset; none (null) for an
 * unpartitioned one, which refuses a non-blank key instead of recording a partition that cannot exist.
 */
export function resolvePartitionKey(
  partitioning: Partitioning | null,
  raw: string | null | undefined,
  path: string,
): string | null {
  if (!partitioning) {
    if (raw === undefined || raw === null || raw.trim() === '') return null;
    throw new ValidationError('invalid_partition_key', 'The asset is not partitioned: send no partition key.', [
      { path, message: 'the asset is not partitioned' },
    ]);
  }
  const check = validatePartitionKey(partitioning, raw);
  if (!check.ok) throw new ValidationError(check.code, check.reason, [{ path, message: check.reason }]);
  return check.key;
}
