import type { Materialization } from '../../projections/asset-history/asset-history.queries.js';
import type { AssetRole, DeclarationRow } from './asset-declarations.js';
import { rolesOf } from './asset-declarations.js';
import { compareCodePoints } from './partition-position.js';

/** A partition that is marked stale or whose latest materialization expired. */
export interface StalePartition {
  workflowSlug: string;
  partitionKey: string | null;
  reason: 'manual' | 'expired';
  requestedAt: string | null;
  requestedBy: string | null;
  note: string | null;
  expiredAt: string | null;
}

export interface AssetGraphNode {
  assetId: string;
  producers: AssetRole[];
  consumers: AssetRole[];
  latestMaterializations: Omit<Materialization, 'payload'>[];
  stalePartitions: StalePartition[];
  hasStalePartitions: boolean;
  hasOutdatedUpstreams: boolean;
  outdatedUpstreamAssetIds: string[];
}

/** A step consumes `fromAssetId` and produces `toAssetId`. */
export interface AssetGraphEdge {
  fromAssetId: string;
  toAssetId: string;
  workflowSlug: string;
  stepId: string;
}

export interface AssetGraphInput {
  declarations: readonly DeclarationRow[];
  /** Newest `producedAt` of every produced asset (across workflows and partitions). */
  newestProducedAt: ReadonlyMap<string, string>;
  latestMaterializations: ReadonlyMap<string, Omit<Materialization, 'payload'>[]>;
  stalePartitions: ReadonlyMap<string, StalePartition[]>;
}

/**
 * The cross-workflow asset graph (reference §2.8): one node per exact asset id (case-sensitive — B9), one edge per
 * consumed → produced pair within a step (self-pairs skipped, de-duplicated). An asset has outdated upstreams
 * when an upstream was produced later than its own newest production, or it was never produced while an upstream
 * was. Nodes sorted by asset id, edges by from, to, workflow, step (code-point order). Pure.
 */
export function buildAssetGraph(input: AssetGraphInput): { assets: AssetGraphNode[]; edges: AssetGraphEdge[] } {
  const edges = edgesOf(input.declarations);
  const ids = new Set([...input.declarations.map((d) => d.assetId), ...input.newestProducedAt.keys()]);
  const assets = [...ids].sort(compareCodePoints).map((assetId) => {
    const outdated = outdatedUpstreams(assetId, edges, input.newestProducedAt);
    const stale = input.stalePartitions.get(assetId) ?? [];
    return {
      assetId,
      ...rolesOf(input.declarations.filter((d) => d.assetId === assetId)),
      latestMaterializations: input.latestMaterializations.get(assetId) ?? [],
      stalePartitions: stale,
      hasStalePartitions: stale.length > 0,
      hasOutdatedUpstreams: outdated.length > 0,
      outdatedUpstreamAssetIds: outdated,
    };
  });
  return { assets, edges };
}

function edgesOf(declarations: readonly DeclarationRow[]): AssetGraphEdge[] {
  const bySteps = new Map<string, DeclarationRow[]>();
  for (const declaration of declarations) {
    const key = `${declaration.workflowSlug}\u0000${declaration.stepId}`;
    bySteps.set(key, [...(bySteps.get(key) ?? []), declaration]);
  }
  const edges = new Map<string, AssetGraphEdge>();
  for (const step of bySteps.values()) {
    for (const consumed of step.filter((d) => d.direction === 'consumes')) {
      for (const produced of step.filter((d) => d.direction === 'produces' && d.assetId !== consumed.assetId)) {
        const edge = {
          fromAssetId: consumed.assetId,
          toAssetId: produced.assetId,
          workflowSlug: produced.workflowSlug,
          stepId: produced.stepId,
        };
        edges.set(Object.values(edge).join('\u0000'), edge);
      }
    }
  }
  return [...edges.values()].sort(
    (a, b) =>
      compareCodePoints(a.fromAssetId, b.fromAssetId) ||
      compareCodePoints(a.toAssetId, b.toAssetId) ||
      compareCodePoints(a.workflowSlug, b.workflowSlug) ||
      compareCodePoints(a.stepId, b.stepId),
  );
}

function outdatedUpstreams(
  assetId: string,
  edges: readonly AssetGraphEdge[],
  newest: ReadonlyMap<string, string>,
): string[] {
  const own = newest.get(assetId);
  const upstreams = new Set(edges.filter((edge) => edge.toAssetId === assetId).map((edge) => edge.fromAssetId));
  return [...upstreams]
    .filter((upstream) => {
      const theirs = newest.get(upstream);
      return theirs !== undefined && (own === undefined || Date.parse(theirs) > Date.parse(own));
    })
    .sort(compareCodePoints);
}
