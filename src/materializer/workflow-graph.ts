import { validatePartitionKey, type Partitioning } from '../partitions/index.js';
import type {
  AssetDeclaration,
  AutoMaterializePolicy,
  WorkflowDefinition,
  WorkflowStep,
} from '../workflows/workflow-definition.js';

/** A policy is active when present and not switched off (`enabled !== false`). */
export function isPolicyActive(policy: AutoMaterializePolicy | undefined): policy is AutoMaterializePolicy {
  return policy !== undefined && policy.enabled !== false;
}

/** Every asset id some step of the workflow consumes. */
export function consumedAssetIds(workflow: WorkflowDefinition): Set<string> {
  return new Set(workflow.steps.flatMap((step) => step.consumes.map((declaration) => declaration.assetId)));
}

/** The first declaration of `assetId` among the workflow's produced assets. */
export function producedDeclaration(
  workflow: WorkflowDefinition | undefined,
  assetId: string,
): AssetDeclaration | undefined {
  for (const step of workflow?.steps ?? []) {
    const found = step.produces.find((declaration) => declaration.assetId === assetId);
    if (found) return found;
  }
  return undefined;
}

/** How a workflow reacts to an update of an asset it consumes. */
export type UpstreamInterest =
  | { kind: 'opted-in'; step: WorkflowStep; source: AssetDeclaration }
  | { kind: 'disabled'; source: AssetDeclaration }
  | { kind: 'none' };

/**
 * Only a step that consumes the updated asset and produces an asset with an active `onUpstreamUpdate` policy counts
 * (no workflow-wide opt-in, B4). The first such step and asset, in declaration order, is the parameter source.
 */
export function upstreamInterest(workflow: WorkflowDefinition, assetId: string): UpstreamInterest {
  let disabled: AssetDeclaration | undefined;
  for (const step of workflow.steps) {
    if (!step.consumes.some((declaration) => declaration.assetId === assetId)) continue;
    for (const declaration of step.produces) {
      const policy = declaration.autoMaterialize;
      if (policy?.onUpstreamUpdate !== true) continue;
      if (isPolicyActive(policy)) return { kind: 'opted-in', step, source: declaration };
      disabled ??= declaration;
    }
  }
  return disabled ? { kind: 'disabled', source: disabled } : { kind: 'none' };
}

/** The partitioning a run of the workflow is keyed by: the source asset's, else the first partitioned asset's. */
export function runPartitioning(
  workflow: WorkflowDefinition,
  source: AssetDeclaration | undefined,
): Partitioning | null {
  if (source?.partitioning) return source.partitioning;
  for (const step of workflow.steps) {
    const partitioned = step.produces.find((declaration) => declaration.partitioning);
    if (partitioned) return partitioned.partitioning!;
  }
  return null;
}

/** How the upstream asset is partitioned: its producer's declaration, else the consumer's `consumes` declaration. */
export function upstreamPartitioning(
  producer: WorkflowDefinition | undefined,
  consumer: WorkflowStep,
  assetId: string,
): Partitioning | null {
  const declared = producedDeclaration(producer, assetId);
  if (declared) return declared.partitioning ?? null;
  return consumer.consumes.find((declaration) => declaration.assetId === assetId)?.partitioning ?? null;
}

/**
 * A run key must suit every partitioned asset the workflow produces (a run has one key). Unpartitioned workflows
 * take no key. Returns the reason when a key does not fit.
 */
export function checkRunKey(workflow: WorkflowDefinition, key: string | null): string | null {
  for (const step of workflow.steps) {
    for (const declaration of step.produces) {
      if (!declaration.partitioning) continue;
      const check = validatePartitionKey(declaration.partitioning, key);
      if (!check.ok) return `asset "${declaration.assetId}": ${check.reason}`;
    }
  }
  return null;
}
