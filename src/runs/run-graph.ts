import type { Partitioning } from '../partitions/index.js';
import type { WorkflowDefinition } from '../workflows/workflow-definition.js';

/** A workflow that produces an asset, with how it partitions it. */
export interface ProducerRef {
  workflowSlug: string;
  partitioning: Partitioning | null;
}

/** What the run executor keeps of one workflow definition: the assets it produces. */
export interface WorkflowProduces {
  slug: string;
  produces: Array<{ assetId: string; partitioning: Partitioning | null }>;
}

/** The produced assets of a definition (first declaration of each asset wins, in step order). */
export function producesOf(workflow: WorkflowDefinition): WorkflowProduces {
  const seen = new Map<string, Partitioning | null>();
  for (const step of workflow.steps)
    for (const declaration of step.produces)
      if (!seen.has(declaration.assetId)) seen.set(declaration.assetId, declaration.partitioning ?? null);
  return { slug: workflow.slug, produces: [...seen].map(([assetId, partitioning]) => ({ assetId, partitioning })) };
}

/**
 * Which workflows produce each asset, folded from `workflow.definition.updated` events: the run executor's view
 * of the asset graph, used to judge a consumed asset's partitioning and to name the producer a waiting run needs.
 */
export class RunGraph {
  private readonly workflows = new Map<string, WorkflowProduces>();
  private readonly byAsset = new Map<string, ProducerRef[]>();

  /** Replaces a workflow's entry; returns it (for the store). */
  define(entry: WorkflowProduces): WorkflowProduces {
    const before = this.workflows.get(entry.slug);
    for (const { assetId } of before?.produces ?? []) {
      const rest = (this.byAsset.get(assetId) ?? []).filter((ref) => ref.workflowSlug !== entry.slug);
      if (rest.length > 0) this.byAsset.set(assetId, rest);
      else this.byAsset.delete(assetId);
    }
    this.workflows.set(entry.slug, entry);
    for (const { assetId, partitioning } of entry.produces) {
      const refs = [...(this.byAsset.get(assetId) ?? []), { workflowSlug: entry.slug, partitioning }];
      refs.sort((a, b) => (a.workflowSlug < b.workflowSlug ? -1 : a.workflowSlug > b.workflowSlug ? 1 : 0));
      this.byAsset.set(assetId, refs);
    }
    return entry;
  }

  producers(assetId: string): readonly ProducerRef[] {
    return this.byAsset.get(assetId) ?? [];
  }

  workflow(slug: string): WorkflowProduces | undefined {
    return this.workflows.get(slug);
  }

  entries(): IterableIterator<WorkflowProduces> {
    return this.workflows.values();
  }
}
