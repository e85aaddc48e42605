import { graphlib, layout } from '@dagrejs/dagre';
import type { Graph, GraphNode } from '../api/types';

/** How a lineage node is coloured: stale partitions win over outdated upstreams (reference §7.3). */
export type AssetState = 'stale' | 'outdated' | 'fresh' | 'never';

export const ASSET_STATE_TEXT: Record<AssetState, string> = {
  stale: 'Stale partitions',
  outdated: 'Outdated upstream',
  fresh: 'Fresh',
  never: 'Never materialized',
};

export function assetState(
  node: Pick<GraphNode, 'hasStalePartitions' | 'stalePartitions' | 'hasOutdatedUpstreams' | 'latestMaterializations'>,
): AssetState {
  if (node.hasStalePartitions || (node.stalePartitions?.length ?? 0) > 0) return 'stale';
  if (node.hasOutdatedUpstreams) return 'outdated';
  return (node.latestMaterializations?.length ?? 0) > 0 ? 'fresh' : 'never';
}

export interface ModelNode {
  id: string;
  kind: 'asset' | 'workflow';
  /** Asset id or workflow slug. */
  name: string;
  state?: AssetState;
  staleCount?: number;
  outdatedUpstreams?: string[];
}

export interface ModelEdge {
  id: string;
  source: string;
  target: string;
}

export const assetNodeId = (assetId: string) => `asset:${assetId}`;
export const workflowNodeId = (slug: string) => `workflow:${slug}`;

/**
 * The lineage as a bipartite graph: every asset, and the workflows between them (producer workflow → asset →
 * consumer workflow). Pure.
 */
export function buildGraphModel(graph: Graph): { nodes: ModelNode[]; edges: ModelEdge[] } {
  const nodes = new Map<string, ModelNode>();
  const edges = new Map<string, ModelEdge>();
  const workflow = (slug: string) => {
    const id = workflowNodeId(slug);
    if (!nodes.has(id)) nodes.set(id, { id, kind: 'workflow', name: slug });
    return id;
  };
  const edge = (source: string, target: string) => {
    const id = `${source}->${target}`;
    if (!edges.has(id)) edges.set(id, { id, source, target });
  };
  for (const asset of graph.assets ?? []) {
    const assetId = asset.assetId ?? '';
    const id = assetNodeId(assetId);
    nodes.set(id, {
      id,
      kind: 'asset',
      name: assetId,
      state: assetState(asset),
      staleCount: asset.stalePartitions?.length ?? 0,
      outdatedUpstreams: asset.outdatedUpstreamAssetIds ?? [],
    });
  }
  for (const asset of graph.assets ?? []) {
    const id = assetNodeId(asset.assetId ?? '');
    for (const producer of asset.producers ?? []) edge(workflow(producer.workflowSlug ?? ''), id);
    for (const consumer of asset.consumers ?? []) edge(id, workflow(consumer.workflowSlug ?? ''));
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}

export const NODE_SIZE = { asset: { width: 220, height: 56 }, workflow: { width: 180, height: 40 } };

/** Left-to-right layered layout (dagre): the top-left corner of each node. */
export function layoutGraph(model: { nodes: ModelNode[]; edges: ModelEdge[] }): Map<string, { x: number; y: number }> {
  const g = new graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 80, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of model.nodes) g.setNode(node.id, { ...NODE_SIZE[node.kind] });
  for (const edge of model.edges) g.setEdge(edge.source, edge.target);
  layout(g);
  const positions = new Map<string, { x: number; y: number }>();
  for (const node of model.nodes) {
    const placed = g.node(node.id) as { x: number; y: number };
    const size = NODE_SIZE[node.kind];
    positions.set(node.id, { x: placed.x - size.width / 2, y: placed.y - size.height / 2 });
  }
  return positions;
}

/** A key that changes only when the graph's structure does (so re-colouring never re-runs the layout). */
export function structureKey(model: { nodes: ModelNode[]; edges: ModelEdge[] }): string {
  return `${model.nodes.map((n) => n.id).join('|')}#${model.edges.map((e) => e.id).join('|')}`;
}

/** Node ids whose name contains the search text (case-insensitive); none for an empty search. */
export function searchNodes(nodes: ModelNode[], text: string): string[] {
  const needle = text.trim().toLowerCase();
  if (!needle) return [];
  return nodes.filter((node) => node.name.toLowerCase().includes(needle)).map((node) => node.id);
}
