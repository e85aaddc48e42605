import { validatePartitionKey } from '../partitions/index.js';
import type { RunGraph } from './run-graph.js';
import type { RunState } from './run-state.js';

/** Is there a materialization (not expired) of the asset: in this partition, or in any when `partitionKey` is null. */
export interface AvailabilityQuery {
  assetId: string;
  partitionKey: string | null;
}

/** Answers availability queries from what was loaded for the batch (the shell prefetches every query first). */
export interface AssetAvailability {
  isAvailable(query: AvailabilityQuery): boolean;
}

export interface MissingDependency {
  stepId: string;
  assetId: string;
  partitionKey: string | null;
  producerWorkflowSlug: string | null;
}

interface ConsumedAsset {
  stepId: string;
  query: AvailabilityQuery;
  producedHere: boolean;
  externalProducer: string | null;
}

/** Every consumed asset of the given steps (or all steps) with the query that decides whether it is available. */
function consumedAssets(state: RunState, stepIds: readonly string[] | null, graph: RunGraph): ConsumedAsset[] {
  const slug = state.request.workflowSlug;
  const result: ConsumedAsset[] = [];
  for (const step of state.request.steps) {
    if (stepIds && !stepIds.includes(step.id)) continue;
    for (const consumed of step.consumes) {
      const producers = graph.producers(consumed.assetId);
      const external = producers.find((producer) => producer.workflowSlug !== slug) ?? null;
      const partitioning = consumed.partitioning ?? external?.partitioning ?? null;
      const runKey = state.request.partitionKey;
      const key = partitioning && runKey && validatePartitionKey(partitioning, runKey).ok ? runKey : null;
      result.push({
        stepId: step.id,
        query: { assetId: consumed.assetId, partitionKey: key },
        producedHere: producers.some((producer) => producer.workflowSlug === slug),
        externalProducer: external?.workflowSlug ?? null,
      });
    }
  }
  return result;
}

/** The availability queries a run may need (all its steps): what the shell loads before deciding. */
export function dependencyQueries(state: RunState, graph: RunGraph): AvailabilityQuery[] {
  return consumedAssets(state, null, graph).map((consumed) => consumed.query);
}

/**
 * The first consumed asset of a ready step that is not available (DESIGN §6). Assets produced by the run's own
 * earlier steps count at once; otherwise a materialization that is not expired must exist — for the run's key when
 * the asset is partitioned and the key fits it, else in any partition. An asset only this workflow produces (in a
 * later step) is not a dependency to wait for. Pure: availability comes from the prefetched batch view.
 */
export function findMissingDependency(
  state: RunState,
  stepIds: readonly string[],
  graph: RunGraph,
  availability: AssetAvailability,
): MissingDependency | null {
  const ownAssets = new Set(
    Object.values(state.steps).flatMap((step) => step.producedAssets.map((asset) => asset.assetId)),
  );
  for (const consumed of consumedAssets(state, stepIds, graph)) {
    if (ownAssets.has(consumed.query.assetId)) continue;
    if (availability.isAvailable(consumed.query)) continue;
    if (consumed.producedHere && !consumed.externalProducer) continue;
    return {
      stepId: consumed.stepId,
      assetId: consumed.query.assetId,
      partitionKey: consumed.query.partitionKey,
      producerWorkflowSlug: consumed.externalProducer,
    };
  }
  return null;
}
