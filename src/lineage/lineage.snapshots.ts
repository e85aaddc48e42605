import { snapshotCodec } from '../domain/snapshot-codec.js';
import type { Partitioning } from '../partitions/index.js';
import type { RunTrigger } from '../runs/run.events.js';
import type { DeclaredAsset, RunLineage } from './lineage.state.js';

/** An asset declaration as the emitter stores it (version 1). */
interface DeclaredAssetV1 {
  assetId: string;
  schema: Record<string, unknown> | null;
  partitioning: Partitioning | null;
}

/**
 * `lineage_run.state`, version 1: the emitter's memory of one open run (STYLE §6: a versioned snapshot, spelled
 * out, not the in-memory type). The trigger is the `workflow.run.requested` payload's (a storage contract).
 */
export interface RunLineageSnapshotV1 {
  v: 1;
  runId: string;
  olRunId: string;
  slug: string;
  partitionKey: string | null;
  triggeredBy: string | null;
  trigger: RunTrigger;
  steps: Array<{ id: string; consumes: DeclaredAssetV1[]; produces: DeclaredAssetV1[] }>;
  openSteps: Record<string, number>;
}

const asset = ({ assetId, schema, partitioning }: DeclaredAsset): DeclaredAssetV1 => ({
  assetId,
  schema,
  partitioning,
});

export const runLineageSnapshot = snapshotCodec<RunLineage, RunLineageSnapshotV1>({
  name: 'lineage_run.state',
  version: 1,
  encode: (run) => ({
    v: 1,
    runId: run.runId,
    olRunId: run.olRunId,
    slug: run.slug,
    partitionKey: run.partitionKey,
    triggeredBy: run.triggeredBy,
    trigger: run.trigger,
    steps: run.steps.map((step) => ({
      id: step.id,
      consumes: step.consumes.map(asset),
      produces: step.produces.map(asset),
    })),
    openSteps: { ...run.openSteps },
  }),
  decode: (row) => ({
    runId: row.runId,
    olRunId: row.olRunId,
    slug: row.slug,
    partitionKey: row.partitionKey,
    triggeredBy: row.triggeredBy,
    trigger: row.trigger,
    steps: row.steps.map((step) => ({
      id: step.id,
      consumes: step.consumes.map(asset),
      produces: step.produces.map(asset),
    })),
    openSteps: { ...row.openSteps },
  }),
});

/** `lineage_producer.assets`, version 1: what one workflow produces (rows before versions: the bare array). */
export interface ProducerSnapshotV1 {
  v: 1;
  assets: DeclaredAssetV1[];
}

export const producerSnapshot = snapshotCodec<DeclaredAsset[], ProducerSnapshotV1>({
  name: 'lineage_producer.assets',
  version: 1,
  encode: (assets) => ({ v: 1, assets: assets.map(asset) }),
  decode: (row) => row.assets.map(asset),
  legacy: (row) => (Array.isArray(row) ? { v: 1, assets: row } : row),
});
