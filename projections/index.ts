import { assetChecksProjection } from './asset-checks/asset-checks.projection.js';
import { assetHistoryProjection } from './asset-history/asset-history.projection.js';
import { assetPartitionsProjection } from './asset-partitions/asset-partitions.projection.js';
import { autoMaterializeDecisionsProjection } from './auto-materialize-decisions/auto-materialize-decisions.projection.js';
import { backfillsProjection } from './backfills/backfills.projection.js';
import type { Projection } from './projection.js';
import { runHistoryProjection } from './run-history/run-history.projection.js';
import { workflowDefinitionsProjection } from './workflow-definitions/workflow-definitions.projection.js';

/** Every read model the projector runs and `npm run rebuild` can rebuild. */
export const allProjections: readonly Projection[] = [
  workflowDefinitionsProjection,
  runHistoryProjection,
  assetHistoryProjection,
  assetPartitionsProjection,
  autoMaterializeDecisionsProjection,
  backfillsProjection,
  assetChecksProjection,
];
