import type { Freshness, WorkflowDefinition } from '../workflows/workflow-definition.js';
import type { Partitioning } from '../partitions/index.js';

/** A producer or consumer entry (DESIGN §5 StepDescriptor). */
export interface AssetRole {
  workflowSlug: string;
  stepId: string;
  stepName: string | null;
  stepType: string;
  schema: Record<string, unknown> | null;
  freshness: Record<string, unknown> | null;
  autoMaterialize: Record<string, unknown> | null;
  partitioning: Record<string, unknown> | null;
}

/** One row of `workflow_asset_declarations`: a role of an asset in one step of one workflow. */
export interface DeclarationRow extends AssetRole {
  assetId: string;
  direction: 'produces' | 'consumes';
  workflowDefinitionId: string;
}

/** What the partitioning and freshness rules need of a declaration. */
export type DeclarationFacts = Pick<DeclarationRow, 'direction' | 'partitioning' | 'freshness'>;

/**
 * The declarations of one workflow, in declaration order (steps, then produces before consumes) — the same rows
 * the `workflow_definitions` projection writes to `workflow_asset_declarations`, but straight from a definition
 * read from the event log, so workflow-scoped reads never lag behind a definition change.
 */
export function declarationsOf(workflow: WorkflowDefinition): DeclarationRow[] {
  return workflow.steps.flatMap((step) =>
    (['produces', 'consumes'] as const).flatMap((direction) =>
      (step[direction] ?? []).map((declaration) => ({
        workflowDefinitionId: workflow.id,
        workflowSlug: workflow.slug,
        stepId: step.id,
        stepName: step.name ?? null,
        stepType: step.type,
        direction,
        assetId: declaration.assetId,
        schema: declaration.schema ?? null,
        freshness: (declaration.freshness as Record<string, unknown> | undefined) ?? null,
        autoMaterialize:
          direction === 'produces'
            ? ((declaration.autoMaterialize as Record<string, unknown> | undefined) ?? null)
            : null,
        partitioning: (declaration.partitioning as Record<string, unknown> | undefined) ?? null,
      })),
    ),
  );
}

/**
 * An asset's partitioning within one workflow: the first producing declaration that has one, else the first
 * declaration (any direction) that has one, else null (unpartitioned). Case-sensitive by construction: callers
 * pass the declarations of exactly one asset id.
 */
export function partitioningOf(declarations: readonly DeclarationFacts[]): Partitioning | null {
  const produced = declarations.find((d) => d.direction === 'produces' && d.partitioning);
  const any = produced ?? declarations.find((d) => d.partitioning);
  return (any?.partitioning as Partitioning | null | undefined) ?? null;
}

/** An asset's freshness hints within one workflow: the first producing declaration that has them. */
export function freshnessOf(declarations: readonly DeclarationFacts[]): Freshness | null {
  const produced = declarations.find((d) => d.direction === 'produces' && d.freshness);
  return (produced?.freshness as Freshness | null | undefined) ?? null;
}

/** Producer and consumer entries (DESIGN §5 StepDescriptor) of one asset, in declaration order. */
export function rolesOf(declarations: readonly DeclarationRow[]): { producers: AssetRole[]; consumers: AssetRole[] } {
  const role = ({ assetId: _a, direction: _d, workflowDefinitionId: _w, ...rest }: DeclarationRow): AssetRole => rest;
  return {
    producers: declarations.filter((d) => d.direction === 'produces').map(role),
    consumers: declarations.filter((d) => d.direction === 'consumes').map(role),
  };
}
