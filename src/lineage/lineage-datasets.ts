import { validatePartitionKey } from '../partitions/index.js';
import { derivedEventId } from '../events/envelope.js';
import type { RecordedAsset } from '../runs/run.events.js';
import { datasetVersionFacet, partitionFacet, schemaFacet } from './lineage-facets.js';
import { producerDeclaration, type LineageState, type RunLineage, type StepPlan } from './lineage.state.js';
import type { Facet, OpenLineageDataset } from './openlineage.types.js';

/**
 * The assets a step consumes, as OpenLineage inputs: the schema from the consumer's declaration (else the
 * producer's), and the partition read as an input facet — the run's key when the asset is partitioned and the key
 * fits its partitioning (the rule of the run executor's dependency check), else none (any partition).
 */
export function stepInputs(
  state: LineageState,
  run: RunLineage,
  step: StepPlan | undefined,
  namespace: string,
): OpenLineageDataset[] {
  return (step?.consumes ?? []).map((consumed) => {
    const producer = producerDeclaration(state, consumed.assetId, run.slug);
    const partitioning = consumed.partitioning ?? producer?.partitioning ?? null;
    const key =
      partitioning && run.partitionKey !== null && validatePartitionKey(partitioning, run.partitionKey).ok
        ? run.partitionKey
        : null;
    const schema = schemaFacet(consumed.schema ?? producer?.schema ?? null);
    const partition = partitionFacet(key, partitioning);
    return {
      namespace,
      name: consumed.assetId,
      ...(schema ? { facets: { schema } } : {}),
      ...(partition ? { inputFacets: { apphub_partition: partition } } : {}),
    };
  });
}

/** The assets a step declares it produces, as the outputs of its START event (no version yet). */
export function declaredOutputs(step: StepPlan | undefined, namespace: string): OpenLineageDataset[] {
  return (step?.produces ?? []).map((declared) => {
    const schema = schemaFacet(declared.schema);
    return { namespace, name: declared.assetId, ...(schema ? { facets: { schema } } : {}) };
  });
}

/**
 * The assets a succeeded step recorded, as the outputs of its COMPLETE event. The dataset version is the id of the
 * `asset.produced` event the asset relay appends for it — uuidv5(step event id, assetId, partitionKey), computed
 * here the same way, so the emitter never waits for the relay.
 */
export function recordedOutputs(
  stepEventId: string,
  step: StepPlan | undefined,
  assets: readonly RecordedAsset[],
  namespace: string,
): OpenLineageDataset[] {
  return assets.map((asset) => {
    const declared = step?.produces.find((candidate) => candidate.assetId === asset.assetId);
    const facets: Record<string, Facet> = {
      version: datasetVersionFacet(derivedEventId(stepEventId, asset.assetId, asset.partitionKey)),
    };
    const schema = schemaFacet(asset.schema ?? declared?.schema ?? null);
    if (schema) facets.schema = schema;
    const partition = partitionFacet(asset.partitionKey, declared?.partitioning ?? null);
    if (partition) facets.apphub_partition = partition;
    return { namespace, name: asset.assetId, facets };
  });
}
