import { useId, useState } from 'react';
import { Link } from 'react-router';
import type { AutoMaterializeView, InventoryAsset, Run, RunStatus, Workflow } from '../api/types';
import { AutoManagedAssets } from './auto-managed-assets';
import { StatusBadge } from '../components/badges';
import { Empty } from '../components/states';
import { TableRegion } from '../components/table';
import { Time } from '../components/time';
import {
  assetOptions,
  filterRuns,
  nextEligible,
  NO_FILTERS,
  recentActivity,
  RUN_STATUSES,
  triggerOf,
  type RunFilters,
} from '../logic/auto-activity';
import { partitionLabel, runDuration, shortId } from '../logic/format';

export interface AutoMaterializationPanelProps {
  workflow: Workflow;
  view: AutoMaterializeView;
  /** The workflow's asset inventory (latest materializations), when loaded. */
  assets: InventoryAsset[] | undefined;
  updatedAt: number;
  refreshing: boolean;
  onRefresh(): void;
  now: number;
}

/** The seed's **Auto-Materialization Activity** panel (reference §7.3), fed by GET /workflows/:slug/auto-materialize. */
export function AutoMaterializationPanel(props: AutoMaterializationPanelProps) {
  const { view, now } = props;
  const [filters, setFilters] = useState<RunFilters>(NO_FILTERS);
  const id = useId();
  const runs = filterRuns(view.runs, filters);
  const activity = recentActivity(view.runs);
  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <div className="panel-head">
        <h2 id={`${id}-title`}>Auto-Materialization Activity</h2>
        <span className="muted">
          Updated{' '}
          <time dateTime={new Date(props.updatedAt).toISOString()}>
            {new Date(props.updatedAt).toLocaleTimeString()}
          </time>
        </span>
        <button type="button" onClick={props.onRefresh} disabled={props.refreshing}>
          {props.refreshing ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      <div className="cards">
        <article className="card" aria-labelledby={`${id}-inflight`}>
          <h3 id={`${id}-inflight`}>In-flight</h3>
          {view.inFlight.length === 0 ? (
            <p className="muted">No active claims.</p>
          ) : (
            <ul className="claims">
              {view.inFlight.map((claim) => (
                <li key={`${claim.partitionKey}:${claim.runId}`} data-testid="in-flight-claim">
                  <dl className="facts">
                    <dt>Asset</dt>
                    <dd>{claim.assetId}</dd>
                    <dt>Reason</dt>
                    <dd>{claim.reason}</dd>
                    <dt>Partition</dt>
                    <dd>{partitionLabel(claim.partitionKey)}</dd>
                    <dt>Since</dt>
                    <dd>
                      <Time at={claim.since} />
                    </dd>
                    <dt>Run</dt>
                    <dd>
                      <Link to={`/runs/${claim.runId}`}>{shortId(claim.runId)}</Link>
                      {claim.followUpPending ? ' · follow-up queued' : ''}
                    </dd>
                  </dl>
                </li>
              ))}
            </ul>
          )}
        </article>
        <article className="card" aria-labelledby={`${id}-cooldown`}>
          <h3 id={`${id}-cooldown`}>Cooldown</h3>
          {view.backoff.length === 0 ? (
            <p className="muted">No backoff in effect.</p>
          ) : (
            <ul className="claims">
              {view.backoff.map((entry) => {
                const next = nextEligible(entry, now);
                return (
                  <li key={String(entry.partitionKey)}>
                    <dl className="facts">
                      <dt>Partition</dt>
                      <dd>{partitionLabel(entry.partitionKey)}</dd>
                      <dt>Recent failures</dt>
                      <dd>{entry.failures}</dd>
                      <dt>Next eligible run</dt>
                      <dd>{next.ready ? 'Ready now' : <Time at={next.at} />}</dd>
                    </dl>
                    {entry.deferredPending ? (
                      <p className="muted">A deferred trigger runs when the window ends.</p>
                    ) : null}
                  </li>
                );
              })}
            </ul>
          )}
        </article>
        <article className="card" aria-labelledby={`${id}-recent`}>
          <h3 id={`${id}-recent`}>Recent activity</h3>
          <dl className="facts">
            <dt>Runs tracked</dt>
            <dd>{activity.tracked}</dd>
            <dt>Last run</dt>
            <dd>
              {activity.last ? (
                <>
                  <StatusBadge status={activity.last.status} /> <Time at={activity.last.createdAt} />
                </>
              ) : (
                'None yet'
              )}
            </dd>
          </dl>
        </article>
      </div>
      <RunFilterBar runs={view.runs} filters={filters} onChange={setFilters} />
      <AutoRunsTable runs={runs} now={now} />
      <AutoManagedAssets workflow={props.workflow} assets={props.assets} now={now} />
    </section>
  );
}

function RunFilterBar({
  runs,
  filters,
  onChange,
}: {
  runs: Run[];
  filters: RunFilters;
  onChange(f: RunFilters): void;
}) {
  const id = useId();
  return (
    <div className="filters" role="group" aria-label="Filters">
      <label htmlFor={`${id}-asset`}>Filter by asset</label>
      <select
        id={`${id}-asset`}
        value={filters.assetId}
        onChange={(e) => onChange({ ...filters, assetId: e.target.value })}
      >
        <option value="">All assets</option>
        {assetOptions(runs).map((assetId) => (
          <option key={assetId} value={assetId}>
            {assetId}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-status`}>Filter by status</label>
      <select
        id={`${id}-status`}
        value={filters.status}
        onChange={(e) => onChange({ ...filters, status: e.target.value as RunStatus | '' })}
      >
        <option value="">All statuses</option>
        {RUN_STATUSES.map((status) => (
          <option key={status} value={status}>
            {status}
          </option>
        ))}
      </select>
    </div>
  );
}

function AutoRunsTable({ runs, now }: { runs: Run[]; now: number }) {
  if (runs.length === 0) return <Empty>No runs match the selected filters.</Empty>;
  return (
    <TableRegion label="Auto-materialized runs">
      <table>
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Status</th>
            <th scope="col">Asset</th>
            <th scope="col">Reason</th>
            <th scope="col">Partition</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => {
            const trigger = triggerOf(run);
            return (
              <tr key={run.id} data-testid="auto-run">
                <td>
                  <Link to={`/runs/${run.id}`}>{shortId(run.id)}</Link>
                </td>
                <td>
                  <StatusBadge status={run.status} />
                </td>
                <td>{trigger.assetId ?? '—'}</td>
                <td>{trigger.reason ?? '—'}</td>
                <td>{partitionLabel(run.partitionKey)}</td>
                <td>
                  <Time at={run.startedAt ?? run.createdAt} />
                </td>
                <td>{runDuration(run, now)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableRegion>
  );
}
