import { useId, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useAutoMaterialize, useRuns, useWorkflow, useWorkflowAssets } from '../api/queries';
import type { Decision, Run, RunStatus, Workflow } from '../api/types';
import { Chips, StatusBadge } from '../components/badges';
import { Empty, ErrorState, Loading, QueryState } from '../components/states';
import { TableRegion } from '../components/table';
import { Time } from '../components/time';
import { explainReason, RUN_STATUSES, triggerOf } from '../logic/auto-activity';
import { partitionLabel, runDuration, shortId } from '../logic/format';
import { freshnessChips, partitioningLabel, policyChips } from '../logic/policy';
import { useNow } from '../logic/use-now';
import { AutoMaterializationPanel } from './auto-materialization-panel';
import { usePageTitle } from './page-title';

const TABS = [
  { id: 'activity', label: 'Auto-materialization' },
  { id: 'decisions', label: 'Decisions' },
  { id: 'runs', label: 'Runs' },
  { id: 'assets', label: 'Assets' },
] as const;
type Tab = (typeof TABS)[number]['id'];

export function WorkflowDetailPage() {
  const { slug = '' } = useParams();
  const [params] = useSearchParams();
  const tab = (TABS.find((t) => t.id === params.get('tab'))?.id ?? 'activity') as Tab;
  const workflow = useWorkflow(slug);
  usePageTitle(workflow.data?.name ?? slug);
  return (
    <QueryState query={workflow} what="the workflow">
      {(definition) => (
        <article aria-labelledby="workflow-title">
          <p className="crumbs">
            <Link to="/">Workflows</Link> / <code>{definition.slug}</code>
          </p>
          <h1 id="workflow-title">{definition.name}</h1>
          {definition.description ? <p>{definition.description}</p> : null}
          <p className="muted">
            Version {definition.version} · {definition.steps.length} {definition.steps.length === 1 ? 'step' : 'steps'}{' '}
            · updated <Time at={definition.updatedAt} />
          </p>
          <nav aria-label="Workflow sections" className="tabs">
            {TABS.map((t) => (
              <Link key={t.id} to={`?tab=${t.id}`} aria-current={t.id === tab ? 'page' : undefined} replace>
                {t.label}
              </Link>
            ))}
          </nav>
          {tab === 'activity' ? <ActivityTab workflow={definition} /> : null}
          {tab === 'decisions' ? <DecisionsTab slug={definition.slug} /> : null}
          {tab === 'runs' ? <RunsTab slug={definition.slug} /> : null}
          {tab === 'assets' ? <AssetsTab workflow={definition} /> : null}
        </article>
      )}
    </QueryState>
  );
}

function ActivityTab({ workflow }: { workflow: Workflow }) {
  const view = useAutoMaterialize(workflow.slug);
  const assets = useWorkflowAssets(workflow.slug);
  const now = useNow();
  return (
    <QueryState query={view} what="auto-materialization activity">
      {(data) => (
        <AutoMaterializationPanel
          workflow={workflow}
          view={data}
          assets={assets.data?.assets}
          updatedAt={view.dataUpdatedAt}
          refreshing={view.isFetching}
          onRefresh={() => {
            void view.refetch();
            void assets.refetch();
          }}
          now={now}
        />
      )}
    </QueryState>
  );
}

const OUTCOMES = ['enqueued', 'coalesced', 'deferred-backoff', 'skipped'] as const;

/** "Why did / didn't it run?": every trigger the materializer considered, with its outcome and reason. */
function DecisionsTab({ slug }: { slug: string }) {
  const [outcome, setOutcome] = useState<(typeof OUTCOMES)[number] | ''>('');
  const view = useAutoMaterialize(slug, outcome || undefined);
  const id = useId();
  return (
    <section aria-labelledby={`${id}-title`} className="panel">
      <div className="panel-head">
        <h2 id={`${id}-title`}>Decisions</h2>
        <div className="filters">
          <label htmlFor={`${id}-outcome`}>Filter by outcome</label>
          <select id={`${id}-outcome`} value={outcome} onChange={(e) => setOutcome(e.target.value as typeof outcome)}>
            <option value="">All outcomes</option>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p className="muted">Why did or didn’t it run: each trigger the materializer considered, newest first.</p>
      <QueryState query={view} what="decisions">
        {(data) =>
          data.decisions.length === 0 ? (
            <Empty>{outcome ? 'No decisions with this outcome.' : 'No decisions recorded yet.'}</Empty>
          ) : (
            <DecisionsTable decisions={data.decisions} runs={data.runs} />
          )
        }
      </QueryState>
    </section>
  );
}

function DecisionsTable({ decisions, runs }: { decisions: Decision[]; runs: Run[] }) {
  const chainOf = (runId: string | null) => {
    const run = runs.find((r) => r.id === runId);
    const chain = (run?.trigger as { chain?: unknown } | undefined)?.chain;
    return Array.isArray(chain) ? chain.map(String) : null;
  };
  return (
    <TableRegion label="Decisions">
      <table>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Outcome</th>
            <th scope="col">Why</th>
            <th scope="col">Trigger</th>
            <th scope="col">Partition</th>
            <th scope="col">Run</th>
          </tr>
        </thead>
        <tbody>
          {decisions.map((decision) => {
            const chain = chainOf(decision.runId);
            return (
              <tr key={decision.eventSeq} data-testid="decision">
                <td>
                  <Time at={decision.at} />
                </td>
                <td>
                  <StatusBadge status={decision.outcome} />
                </td>
                <td>
                  {explainReason(decision.reason)} <code className="muted">{decision.reason}</code>
                  {decision.detail ? <div className="muted">{decision.detail}</div> : null}
                </td>
                <td>
                  <div>{decision.assetId}</div>
                  <div className="muted">
                    {chain ? `Chain: ${chain.join(' → ')}` : `Caused by event #${decision.causeSeq}`}
                  </div>
                </td>
                <td>{partitionLabel(decision.partitionKey)}</td>
                <td>{decision.runId ? <Link to={`/runs/${decision.runId}`}>{shortId(decision.runId)}</Link> : '—'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableRegion>
  );
}

function RunsTab({ slug }: { slug: string }) {
  const [status, setStatus] = useState<RunStatus | ''>('');
  const runs = useRuns(slug, status || undefined);
  const now = useNow();
  const id = useId();
  const all = runs.data?.pages.flatMap((page) => page.data) ?? [];
  return (
    <section aria-labelledby={`${id}-title`} className="panel">
      <div className="panel-head">
        <h2 id={`${id}-title`}>Runs</h2>
        <div className="filters">
          <label htmlFor={`${id}-status`}>Filter by status</label>
          <select id={`${id}-status`} value={status} onChange={(e) => setStatus(e.target.value as RunStatus | '')}>
            <option value="">All statuses</option>
            {RUN_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
      </div>
      {runs.isPending ? (
        <Loading what="runs" />
      ) : runs.isError ? (
        <ErrorState error={runs.error} onRetry={() => void runs.refetch()} />
      ) : all.length === 0 ? (
        <Empty>{status ? 'No runs match the selected filters.' : 'This workflow has not run yet.'}</Empty>
      ) : (
        <>
          <TableRegion label="Runs">
            <table>
              <thead>
                <tr>
                  <th scope="col">Run</th>
                  <th scope="col">Status</th>
                  <th scope="col">Trigger</th>
                  <th scope="col">Partition</th>
                  <th scope="col">Created</th>
                  <th scope="col">Duration</th>
                </tr>
              </thead>
              <tbody>
                {all.map((run) => (
                  <tr key={run.id}>
                    <td>
                      <Link to={`/runs/${run.id}`}>{shortId(run.id)}</Link>
                    </td>
                    <td>
                      <StatusBadge status={run.status} />
                    </td>
                    <td>
                      {run.trigger.type}
                      {triggerOf(run).reason ? ` · ${triggerOf(run).reason}` : ''}
                    </td>
                    <td>{partitionLabel(run.partitionKey)}</td>
                    <td>
                      <Time at={run.createdAt} />
                    </td>
                    <td>{runDuration(run, now)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableRegion>
          {runs.hasNextPage ? (
            <button type="button" onClick={() => void runs.fetchNextPage()} disabled={runs.isFetchingNextPage}>
              {runs.isFetchingNextPage ? 'Loading…' : 'Load older runs'}
            </button>
          ) : null}
        </>
      )}
    </section>
  );
}

function AssetsTab({ workflow }: { workflow: Workflow }) {
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
