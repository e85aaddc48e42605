import { useId, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useAsset, useHistory } from '../api/queries';
import type { AssetRole } from '../api/types';
import { Chips, StatusBadge } from '../components/badges';
import { CheckBadges } from '../components/check-badges';
import { Empty, ErrorState, Loading, QueryState } from '../components/states';
import { TableRegion } from '../components/table';
import { Time } from '../components/time';
import { partitionLabel, previewJson, shortId } from '../logic/format';
import { freshnessChips, partitioningLabel, policyChips } from '../logic/policy';
import { usePageTitle } from './page-title';
import { PartitionsTable } from './partitions-table';
import { PayloadDiffPanel } from './payload-diff';

export function AssetDetailPage() {
  const { assetId = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const asset = useAsset(assetId);
  usePageTitle(assetId);
  const id = useId();
  return (
    <article aria-labelledby="asset-title">
      <p className="crumbs">
        <Link to="/assets">Assets</Link> / <Link to="/assets/graph">Lineage</Link>
      </p>
      <h1 id="asset-title">
        <code>{assetId}</code>
      </h1>
      <QueryState query={asset} what="the asset">
        {(detail) => {
          const producers = detail.producers ?? [];
          const slug = params.get('workflow') ?? producers[0]?.workflowSlug ?? null;
          const producer = producers.find((p) => p.workflowSlug === slug) ?? null;
          return (
            <>
              <div className="cards">
                <RoleCard title="Producers" roles={producers} empty="No workflow produces this asset." showPolicy />
                <RoleCard title="Consumers" roles={detail.consumers ?? []} empty="No workflow consumes this asset." />
              </div>
              {producers.length > 1 ? (
                <div className="filters">
                  <label htmlFor={`${id}-producer`}>Producing workflow</label>
                  <select
                    id={`${id}-producer`}
                    value={slug ?? ''}
                    onChange={(e) => setParams({ workflow: e.target.value }, { replace: true })}
                  >
                    {producers.map((p) => (
                      <option key={`${p.workflowSlug}:${p.stepId}`} value={p.workflowSlug}>
                        {p.workflowSlug}
                      </option>
                    ))}
                  </select>
                </div>
              ) : null}
              {slug && producer ? (
                <>
                  <HistorySection slug={slug} assetId={assetId} />
                  <PartitionsTable slug={slug} assetId={assetId} partitioned={!!producer.partitioning} />
                </>
              ) : (
                <Empty>Without a producer there is no history or partition to show.</Empty>
              )}
            </>
          );
        }}
      </QueryState>
    </article>
  );
}

function RoleCard({
  title,
  roles,
  empty,
  showPolicy,
}: {
  title: string;
  roles: AssetRole[];
  empty: string;
  showPolicy?: boolean;
}) {
  const id = useId();
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      {roles.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        <ul className="roles">
          {roles.map((role) => (
            <li key={`${role.workflowSlug}:${role.stepId}`}>
              <Link to={`/workflows/${encodeURIComponent(role.workflowSlug ?? '')}`}>{role.workflowSlug}</Link> · step{' '}
              {role.stepName ?? role.stepId}
              {showPolicy ? (
                <div>
                  <Chips
                    items={[
                      partitioningLabel(role.partitioning as never),
                      ...policyChips(role.autoMaterialize as never),
                      ...freshnessChips(role.freshness as never),
                    ]}
                  />
                </div>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** Newest first, 10 per page, cursor paging (older pages via the server's cursor, newer via the stack of cursors). */
function HistorySection({ slug, assetId }: { slug: string; assetId: string }) {
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const history = useHistory(slug, assetId, cursor);
  const [diffTo, setDiffTo] = useState<number | null>(null);
  const id = useId();
  const entries = history.data?.data?.history ?? [];
  const next = history.data?.meta?.nextCursor ?? null;
  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>History</h2>
      {history.isPending ? (
        <Loading what="history" />
      ) : history.isError ? (
        <ErrorState error={history.error} onRetry={() => void history.refetch()} />
      ) : entries.length === 0 ? (
        <Empty>This asset has not been materialized by {slug} yet.</Empty>
      ) : (
        <TableRegion label="History">
          <table>
            <thead>
              <tr>
                <th scope="col">Produced at</th>
                <th scope="col">Run status</th>
                <th scope="col">Partition</th>
                <th scope="col">Run</th>
                <th scope="col">Checks</th>
                <th scope="col">Payload</th>
                <th scope="col">Changes</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.eventSeq} data-testid="history-entry">
                  <td>
                    <Time at={entry.producedAt} />
                  </td>
                  <td>
                    <StatusBadge status={entry.runStatus} />
                  </td>
                  <td>{partitionLabel(entry.partitionKey)}</td>
                  <td>{entry.runId ? <Link to={`/runs/${entry.runId}`}>{shortId(entry.runId)}</Link> : '—'}</td>
                  <td>
                    <CheckBadges checks={entry.checks} />
                  </td>
                  <td>
                    <code className="preview" title={previewJson(entry.payload, 2000)}>
                      {previewJson(entry.payload)}
                    </code>
                  </td>
                  <td>
                    <button
                      type="button"
                      aria-label={`Diff: changes in event ${entry.eventSeq}`}
                      onClick={() => setDiffTo(entry.eventSeq ?? null)}
                    >
                      Diff
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableRegion>
      )}
      {diffTo !== null ? (
        <PayloadDiffPanel slug={slug} assetId={assetId} toSeq={diffTo} onClose={() => setDiffTo(null)} />
      ) : null}
      <div className="pager">
        <button type="button" disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          Newer
        </button>
        <button type="button" disabled={!next} onClick={() => next && setCursors([...cursors, next])}>
          Older
        </button>
      </div>
    </section>
  );
}
