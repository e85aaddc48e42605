import { snapshotSpec } from '../../test/support/snapshot-spec.js';
import type { DeclaredAsset, RunLineage } from './lineage.state.js';
import { producerSnapshot, runLineageSnapshot } from './lineage.snapshots.js';

const daily: DeclaredAsset = {
  assetId: 'wf.daily',
  schema: { type: 'object' },
  partitioning: { type: 'timeWindow', granularity: 'day' },
};
const plain: DeclaredAsset = { assetId: 'up.out', schema: null, partitioning: null };

describe('OpenLineage emitter snapshots', () => {
  describe('open run (lineage_run.state, JSON text)', () => {
    const run: RunLineage = {
      runId: 'run-1',
      olRunId: '0190a1b2-0000-7000-8000-000000000001',
      slug: 'wf',
      partitionKey: '2024-01-05',
      triggeredBy: 'asset-materializer',
      trigger: { type: 'manual' },
      steps: [{ id: 'load', consumes: [plain], produces: [daily] }],
      openSteps: { load: 2 },
    };
    snapshotSpec(runLineageSnapshot, { state: run, legacyRow: JSON.stringify(run) });
  });
  describe('producer (lineage_producer.assets, JSON text)', () => {
    snapshotSpec(producerSnapshot, { state: [daily, plain], legacyRow: JSON.stringify([daily, plain]) });
  });
});
