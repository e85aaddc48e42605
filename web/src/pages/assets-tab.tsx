import { useId } from 'react';
import { Link } from 'react-router';
import type { Workflow } from '../api/types';
import { Chips } from '../components/badges';
import { Empty } from '../components/states';
import { TableRegion } from '../components/table';
import { freshnessChips, partitioningLabel, policyChips } from '../logic/policy';

/** The assets the workflow's steps produce and consume, with partitioning, policy and freshness chips. */
export function AssetsTab({ workflow }: { workflow: Workflow }) {
  const id = useId();
  const rows = workflow.steps.flatMap((step) => [
    ...(step.produces ?? []).map((asset) => ({ step, asset, direction: 'produces' as const })),
    ...(step.consumes ?? []).map((asset) => ({ step, asset, direction: 'consumes' as const })),
  ]);
  return (
    <section aria-labelledby={`${id}-title`} className="panel">
      <h2 id={`${id}-title`}>Assets</h2>
      {rows.length === 0 ? (
        <Empty>This workflow declares no assets.</Empty>
      ) : (
        <TableRegion label="Declared assets">
          <table>
            <thead>
              <tr>
                <th scope="col">Asset</th>
                <th scope="col">Step</th>
                <th scope="col">Role</th>
                <th scope="col">Partitioning</th>
                <th scope="col">Policy and freshness</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ step, asset, direction }) => (
                <tr key={`${step.id}:${direction}:${asset.assetId}`}>
                  <td>
                    <Link to={`/assets/${encodeURIComponent(asset.assetId)}`}>{asset.assetId}</Link>
                  </td>
                  <td>{step.name ?? step.id}</td>
                  <td>{direction === 'produces' ? 'Producer' : 'Consumer'}</td>
                  <td>{direction === 'produces' ? partitioningLabel(asset.partitioning) : '—'}</td>
                  <td>
                    <Chips items={[...policyChips(asset.autoMaterialize), ...freshnessChips(asset.freshness)]} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableRegion>
      )}
    </section>
  );
}
