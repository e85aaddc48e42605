import { Link } from 'react-router';
import { useGraph, useLatestRuns, useWorkflows } from '../api/queries';
import type { Graph, Workflow } from '../api/types';
import { StatusBadge } from '../components/badges';
import { Empty, QueryState } from '../components/states';
import { TableRegion } from '../components/table';
import { Time } from '../components/time';
import { isAutoManaged } from '../logic/policy';
import { usePageTitle } from './page-title';

/** Auto-managed assets of a workflow: produced assets whose policy is active. */
export function autoManagedCount(workflow: Workflow): number {
  return workflow.steps.reduce(
    (count, step) => count + (step.produces ?? []).filter((asset) => isAutoManaged(asset.autoMaterialize)).length,
    0,
  );
}

/** Stale partitions (manual marks and expiries) of the assets a workflow produces, from the lineage graph. */
export function stalePartitionCounts(graph: Graph | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  for (const asset of graph?.assets ?? []) {
    for (const partition of (asset.stalePartitions ?? []) as Array<{ workflowSlug?: string }>) {
      if (partition.workflowSlug) counts.set(partition.workflowSlug, (counts.get(partition.workflowSlug) ?? 0) + 1);
    }
  }
  return counts;
}

export function WorkflowsPage() {
  usePageTitle('Workflows');
  const workflows = useWorkflows();
  return (
    <section aria-labelledby="workflows-title">
      <h1 id="workflows-title">Workflows</h1>
      <QueryState query={workflows} what="workflows">
        {(page) =>
          page.data.length === 0 ? (
            <Empty>
              No workflows registered yet. Register one with <code>POST /workflows</code> (see <a href="/docs">/docs</a>
              ).
            </Empty>
          ) : (
            <WorkflowTable workflows={page.data} />
          )
        }
      </QueryState>
    </section>
  );
}

function WorkflowTable({ workflows }: { workflows: Workflow[] }) {
  const latest = useLatestRuns(workflows.map((workflow) => workflow.slug));
  const graph = useGraph();
  const stale = stalePartitionCounts(graph.data);
  return (
    <TableRegion label="Workflows">
      <table>
        <thead>
          <tr>
            <th scope="col">Workflow</th>
            <th scope="col">Slug</th>
            <th scope="col">Latest run</th>
            <th scope="col">Auto-managed assets</th>
            <th scope="col">Stale partitions</th>
          </tr>
        </thead>
        <tbody>
          {workflows.map((workflow, index) => {
            const run = latest[index];
            return (
              <tr key={workflow.slug}>
                <td>
                  <Link to={`/workflows/${encodeURIComponent(workflow.slug)}`}>{workflow.name}</Link>
                </td>
                <td>
                  <code>{workflow.slug}</code>
                </td>
                <td>
                  {run?.isPending ? (
                    '…'
                  ) : run?.isError ? (
                    'unavailable'
                  ) : run?.data ? (
                    <span className="inline">
                      <Link to={`/runs/${run.data.id}`}>
                        <StatusBadge status={run.data.status} />
                      </Link>{' '}
                      <Time at={run.data.createdAt} />
                    </span>
                  ) : (
                    'Never run'
                  )}
                </td>
                <td className="num">{autoManagedCount(workflow)}</td>
                <td className="num">
                  {graph.isPending ? '…' : graph.isError ? 'unavailable' : (stale.get(workflow.slug) ?? 0)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableRegion>
  );
}
