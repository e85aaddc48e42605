import {
  Background,
  Controls,
  Handle,
  Position,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  type Edge,
  type Node,
  type NodeProps,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { memo, useCallback, useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { useGraph } from '../api/queries';
import type { Graph } from '../api/types';
import { Empty, QueryState } from '../components/states';
import { useLive } from '../live/live-events';
import {
  ASSET_STATE_TEXT,
  buildGraphModel,
  layoutGraph,
  NODE_SIZE,
  searchNodes,
  structureKey,
  type AssetState,
  type ModelNode,
} from '../logic/graph-model';
import { usePageTitle } from './page-title';

type LineageNodeData = ModelNode & { highlighted: boolean; [key: string]: unknown };

const AssetNode = memo(function AssetNode({ data }: NodeProps<Node<LineageNodeData>>) {
  const detail =
    data.state === 'stale'
      ? `${data.staleCount} stale ${data.staleCount === 1 ? 'partition' : 'partitions'}`
      : data.state === 'outdated'
        ? `Upstream newer: ${data.outdatedUpstreams?.join(', ')}`
        : ASSET_STATE_TEXT[data.state ?? 'never'];
  return (
    <div
      className={`node node-asset node-${data.state}${data.highlighted ? ' node-highlight' : ''}`}
      data-asset={data.name}
      data-state={data.state}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <Link to={`/assets/${encodeURIComponent(data.name)}`} className="node-link" title={data.name}>
        {data.name}
      </Link>
      <span className="node-state">{detail}</span>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
});

const WorkflowNode = memo(function WorkflowNode({ data }: NodeProps<Node<LineageNodeData>>) {
  return (
    <div className={`node node-workflow${data.highlighted ? ' node-highlight' : ''}`} data-workflow={data.name}>
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <Link to={`/workflows/${encodeURIComponent(data.name)}`} className="node-link" title={`Workflow ${data.name}`}>
        {data.name}
      </Link>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
});

const nodeTypes = { asset: AssetNode, workflow: WorkflowNode };

export function LineageGraphPage() {
  usePageTitle('Lineage');
  const graph = useGraph();
  return (
    <section aria-labelledby="lineage-title" className="lineage">
      <h1 id="lineage-title">Lineage</h1>
      <QueryState query={graph} what="the lineage graph">
        {(data) =>
          (data.assets?.length ?? 0) === 0 ? (
            <Empty>No assets yet: register workflows that produce or consume assets.</Empty>
          ) : (
            <ReactFlowProvider>
              <LineageGraph graph={data} updatedAt={graph.dataUpdatedAt} />
            </ReactFlowProvider>
          )
        }
      </QueryState>
    </section>
  );
}

/** Overlay from live events until the next graph read catches up: produced → fresh, expired → stale. */
function useLiveOverlay(updatedAt: number): Map<string, AssetState> {
  const live = useLive();
  const [overlay, setOverlay] = useState(new Map<string, { state: AssetState; at: number }>());
  useEffect(
    () =>
      live.subscribe((event) => {
        const assetId = typeof event.data.assetId === 'string' ? event.data.assetId : null;
        if (!assetId) return;
        const state: AssetState | null =
          event.type === 'asset.produced'
            ? 'fresh'
            : event.type === 'asset.expired' || event.type === 'asset.stale.marked'
              ? 'stale'
              : null;
        if (state) setOverlay((current) => new Map(current).set(assetId, { state, at: Date.now() }));
      }),
    [live],
  );
  return useMemo(() => {
    const active = new Map<string, AssetState>();
    for (const [assetId, entry] of overlay) if (entry.at > updatedAt) active.set(assetId, entry.state);
    return active;
  }, [overlay, updatedAt]);
}

function LineageGraph({ graph, updatedAt }: { graph: Graph; updatedAt: number }) {
  const model = useMemo(() => buildGraphModel(graph), [graph]);
  const key = structureKey(model);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- the layout depends on the structure only
  const positions = useMemo(() => layoutGraph(model), [key]);
  const overlay = useLiveOverlay(updatedAt);
  const [search, setSearch] = useState('');
  const [matches, setMatches] = useState<string[]>([]);
  const [searched, setSearched] = useState(false);
  const flow = useReactFlow();
  const navigate = useNavigate();
  const [canvas, sized] = useHasSize<HTMLDivElement>();
  const id = useId();

  const nodes: Node<LineageNodeData>[] = useMemo(
    () =>
      model.nodes.map((node) => ({
        id: node.id,
        type: node.kind,
        position: finitePosition(positions.get(node.id)),
        data: {
          ...node,
          state: node.kind === 'asset' ? (overlay.get(node.name) ?? node.state) : undefined,
          highlighted: matches.includes(node.id),
        },
        width: NODE_SIZE[node.kind].width,
        height: NODE_SIZE[node.kind].height,
        draggable: false,
        connectable: false,
        ariaLabel: node.kind === 'asset' ? `Asset ${node.name}` : `Workflow ${node.name}`,
      })),
    [model, positions, overlay, matches],
  );
  const edges: Edge[] = useMemo(
    () => model.edges.map((edge) => ({ id: edge.id, source: edge.source, target: edge.target, focusable: false })),
    [model],
  );

  const find = (event: FormEvent) => {
    event.preventDefault();
    const found = searchNodes(
      model.nodes.filter((node) => node.kind === 'asset'),
      search,
    );
    setMatches(found);
    setSearched(true);
    if (found.length > 0) void flow.fitView({ nodes: found.map((nodeId) => ({ id: nodeId })), maxZoom: 1.2 });
  };
  const counts = model.nodes.reduce(
    (acc, node) =>
      node.kind === 'asset' ? { ...acc, [node.state ?? 'never']: (acc[node.state ?? 'never'] ?? 0) + 1 } : acc,
    {} as Partial<Record<AssetState, number>>,
  );

  return (
    <>
      <div className="graph-toolbar">
        <form onSubmit={find} className="filters" role="search">
          <label htmlFor={`${id}-search`}>Search by asset id</label>
          <input id={`${id}-search`} type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
          <button type="submit">Find</button>
        </form>
        <button type="button" onClick={() => void flow.fitView()}>
          Fit to view
        </button>
        <span aria-live="polite" className="muted">
          {searched
            ? matches.length === 0
              ? 'No asset matches.'
              : `${matches.length} matching ${matches.length === 1 ? 'asset' : 'assets'}`
            : ''}
        </span>
      </div>
      <ul className="legend" aria-label="Legend">
        {(['stale', 'outdated', 'fresh', 'never'] as AssetState[]).map((state) => (
          <li key={state}>
            <span className={`swatch node-${state}`} aria-hidden="true" /> {ASSET_STATE_TEXT[state]} (
            {counts[state] ?? 0})
          </li>
        ))}
      </ul>
      <div className="graph-canvas" ref={canvas}>
        {sized && (
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            fitView
            minZoom={0.05}
            onlyRenderVisibleElements
            nodesDraggable={false}
            nodesConnectable={false}
            elementsSelectable={false}
            onNodeClick={(_, node) => {
              const data = node.data as LineageNodeData;
              void navigate(
                data.kind === 'asset'
                  ? `/assets/${encodeURIComponent(data.name)}`
                  : `/workflows/${encodeURIComponent(data.name)}`,
              );
            }}
            proOptions={{ hideAttribution: true }}
            aria-label="Lineage graph"
          >
            <Background />
            <Controls showInteractive={false} />
          </ReactFlow>
        )}
      </div>
    </>
  );
}

/**
 * A ref and whether its element has a non-zero size yet: the flow is mounted only then, because fitting the view
 * into a zero-size container yields a NaN viewport.
 */
function useHasSize<T extends HTMLElement>(): [(element: T | null) => void, boolean] {
  const [sized, setSized] = useState(false);
  const observer = useRef<ResizeObserver | null>(null);
  const ref = useCallback((element: T | null) => {
    observer.current?.disconnect();
    if (!element) return;
    const check = () => {
      const { width, height } = element.getBoundingClientRect();
      if (width > 0 && height > 0) setSized(true);
    };
    check();
    observer.current = new ResizeObserver(check);
    observer.current.observe(element);
  }, []);
  return [ref, sized];
}

/** A layout position that is always finite (a layout that failed for a node puts it at the origin). */
function finitePosition(position: { x: number; y: number } | undefined): { x: number; y: number } {
  if (!position || !Number.isFinite(position.x) || !Number.isFinite(position.y)) return { x: 0, y: 0 };
  return position;
}
