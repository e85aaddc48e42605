import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../projections/database.js';
import { validatePartitionKey, type Partitioning } from '../partitions/index.js';
import type { RunState } from './run-state.js';

export interface MissingDependency {
  stepId: string;
  assetId: string;
  partitionKey: string | null;
  producerWorkflowSlug: string | null;
}

/**
 * The first consumed asset of a ready step that is not available (DESIGN §6): assets produced by the run's own
 * earlier steps count at once; otherwise the latest-per-partition read model must hold a materialization that is
 * not expired — for the run's key when the asset is partitioned and the key fits it, else for any partition.
 */
export async function findMissingDependency(
  db: Kysely<Database> | Transaction<Database>,
  state: RunState,
  stepIds: string[],
): Promise<MissingDependency | null> {
  const slug = state.request.workflowSlug;
  const ownAssets = new Set(
    Object.values(state.steps).flatMap((step) => step.producedAssets.map((asset) => asset.assetId)),
  );
  for (const stepId of stepIds) {
    const definition = state.request.steps.find((step) => step.id === stepId);
    for (const consumed of definition?.consumes ?? []) {
      if (ownAssets.has(consumed.assetId)) continue;
      const producers = await db
        .selectFrom('workflow_asset_declarations')
        .select(['workflow_slug', 'partitioning'])
        .where('asset_id', '=', consumed.assetId)
        .where('direction', '=', 'produces')
        .orderBy('workflow_slug')
        .execute();
      const producedHere = producers.some((producer) => producer.workflow_slug === slug);
      const external = producers.find((producer) => producer.workflow_slug !== slug) ?? null;
      const partitioning = (consumed.partitioning ?? external?.partitioning ?? null) as Partitioning | null;
      const key =
        partitioning && state.request.partitionKey && validatePartitionKey(partitioning, state.request.partitionKey).ok
          ? state.request.partitionKey
          : null;
      let query = db
        .selectFrom('asset_partition')
        .select('partition_key')
        .where('asset_id', '=', consumed.assetId)
        .where('materializations', '>', 0)
        .where('expired_at', 'is', null)
        .limit(1);
      if (key !== null) query = query.where('partition_key', '=', key);
      const available = await query.executeTakeFirst();
      if (available) continue;
      // An asset this workflow produces in a later step is not a dependency to wait for.
      if (producedHere && !external) continue;
      return {
        stepId,
        assetId: consumed.assetId,
        partitionKey: key,
        producerWorkflowSlug: external?.workflow_slug ?? null,
      };
    }
  }
  return null;
}
