import { useId } from 'react';
import { Link } from 'react-router';
import type { InventoryAsset, Workflow } from '../api/types';
import { Chips, FreshnessIndicator, StatusBadge } from '../components/badges';
import { Empty } from '../components/states';
import { Time } from '../components/time';
import { formatDuration, partitionLabel } from '../logic/format';
import { freshnessState, isAutoManaged, policyChips } from '../logic/policy';

/** *Auto-managed assets*: the produced assets with an auto-materialize policy, their latest materialization and freshness. */
export function AutoManagedAssets({
  workflow,
  assets,
  now,
}: {
  workflow: Workflow;
  assets: InventoryAsset[] | undefined;
  now: number;
}) {
  const id = useId();
  const declarations = workflow.steps.flatMap((step) =>
    (step.produces ?? []).filter((asset) => asset.autoMaterialize).map((asset) => ({ step, asset })),
  );
  return (
    <section aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Auto-managed assets</h3>
      {declarations.length === 0 ? (
        <Empty>No asset of this workflow declares an auto-materialize policy.</Empty>
      ) : (
        <div className="cards">
          {declarations.map(({ step, asset }) => {
            const latest = assets?.find((entry) => entry.assetId === asset.assetId)?.latest ?? null;
            const state = freshnessState(latest?.producedAt, asset.freshness, now);
            return (
              <article key={`${step.id}:${asset.assetId}`} className="card" data-testid="auto-managed-asset">
                <h4>
                  <Link to={`/assets/${encodeURIComponent(asset.assetId)}`}>{asset.assetId}</Link>
                </h4>
                <Chips items={policyChips(asset.autoMaterialize)} />
                {isAutoManaged(asset.autoMaterialize) ? null : <p className="muted">The policy is switched off.</p>}
                <dl className="facts">
                  <dt>Latest materialization</dt>
                  <dd>{latest ? <Time at={latest.producedAt} /> : 'Never'}</dd>
                  <dt>Run status</dt>
                  <dd>{latest ? <StatusBadge status={latest.runStatus} /> : '—'}</dd>
                  <dt>Partition</dt>
                  <dd>{latest ? partitionLabel(latest.partitionKey) : '—'}</dd>
                  <dt>TTL</dt>
                  <dd>{formatDuration(asset.freshness?.ttlMs ?? asset.freshness?.cadenceMs)}</dd>
                  <dt>Max age</dt>
                  <dd>{formatDuration(asset.freshness?.maxAgeMs)}</dd>
                  <dt>Freshness</dt>
                  <dd>
                    <FreshnessIndicator state={state} />
                  </dd>
                </dl>
              </article>
            );
          })}
        </div>
      )}
    </section>
  );
}
