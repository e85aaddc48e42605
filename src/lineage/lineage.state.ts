import type { Partitioning } from '../partitions/index.js';
import type { RunRequested, RunTrigger } from '../runs/run.events.js';
import type { AssetDeclaration, WorkflowDefinition } from '../workflows/workflow-definition.js';

/** What the emitter needs of one asset declaration. */
export interface DeclaredAsset {
  assetId: string;
  schema: Record<string, unknown> | null;
  partitioning: Partitioning | null;
}

/** One step of a run as it was requested (`workflow.run.requested` carries the steps). */
export interface StepPlan {
  id: string;
  consumes: DeclaredAsset[];
  produces: DeclaredAsset[];
}

/**
 * The emitter's memory of one open workflow run (requested, not finished): enough to build every OpenLineage event
 * of the run and of its steps, and the step attempts that started and have not ended (aborted with the run).
 */
export interface RunLineage {
  runId: string;
  olRunId: string;
  slug: string;
  partitionKey: string | null;
  triggeredBy: string | null;
  trigger: RunTrigger;
  steps: StepPlan[];
  /** stepId → the attempt dispatched and not yet succeeded or failed. */
  openSteps: Record<string, number>;
}

/**
 * All state, held in memory while the emitter holds its lease and written back in the checkpoint transaction:
 * open runs by run id, and what each workflow declares it produces (for the partitioning and schema of the assets
 * other workflows consume).
 */
export interface LineageState {
  runs: Map<string, RunLineage>;
  producers: Map<string, DeclaredAsset[]>;
}

export function emptyLineageState(): LineageState {
  return { runs: new Map(), producers: new Map() };
}

export function declaredAsset(declaration: AssetDeclaration): DeclaredAsset {
  return {
    assetId: declaration.assetId,
    schema: declaration.schema ?? null,
    partitioning: declaration.partitioning ?? null,
  };
}

/** The steps of a run request, reduced to their asset declarations. */
export function stepPlans(request: RunRequested): StepPlan[] {
  return request.steps.map((step) => ({
    id: step.id,
    consumes: (step.consumes ?? []).map(declaredAsset),
    produces: (step.produces ?? []).map(declaredAsset),
  }));
}

/** Every asset a workflow produces (one entry per asset id, first declaration wins). */
export function producedAssets(workflow: WorkflowDefinition): DeclaredAsset[] {
  const seen = new Map<string, DeclaredAsset>();
  for (const step of workflow.steps) {
    for (const declaration of step.produces ?? []) {
      if (!seen.has(declaration.assetId)) seen.set(declaration.assetId, declaredAsset(declaration));
    }
  }
  return [...seen.values()];
}

/**
 * The declaration of an asset by a workflow that produces it (other than `exceptSlug` when another one exists),
 * lowest slug first — the same producer the run executor's dependency check consults.
 */
export function producerDeclaration(state: LineageState, assetId: string, exceptSlug: string): DeclaredAsset | null {
  const slugs = [...state.producers.keys()]
    .filter((slug) => state.producers.get(slug)!.some((asset) => asset.assetId === assetId))
    .sort((a, b) => Number(a === exceptSlug) - Number(b === exceptSlug) || (a < b ? -1 : a > b ? 1 : 0));
  if (slugs.length === 0) return null;
  return state.producers.get(slugs[0]!)!.find((asset) => asset.assetId === assetId) ?? null;
}
