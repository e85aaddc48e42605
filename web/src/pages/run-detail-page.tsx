import { useId } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError } from '../api/problem';
import { useRun } from '../api/queries';
import type { Run } from '../api/types';
import { StatusBadge } from '../components/badges';
import { QueryState } from '../components/states';
import { TableRegion } from '../components/table';
import { Time } from '../components/time';
import { explainReason } from '../logic/auto-activity';
import { partitionLabel, runDuration, shortId } from '../logic/format';
import { useNow } from '../logic/use-now';
import { usePageTitle } from './page-title';
import { RerunButton } from './rerun-button';

export function RunDetailPage() {
  const { runId = '' } = useParams();
  const run = useRun(runId);
  usePageTitle(`Run ${shortId(runId)}`);
  return (
    <QueryState query={run} what="the run">
      {(data) => <RunDetail run={data} />}
    </QueryState>
  );
}

function RunDetail({ run }: { run: Run }) {
  const now = useNow(2000);
  const id = useId();
  const trigger = run.trigger as Record<string, unknown>;
  const upstream = trigger.upstream as { workflowSlug?: string; runId?: string; assetId?: string } | undefined;
  const waiting = trigger.waitingRun as { workflowSlug?: string; runId?: string } | undefined;
  const chain = Array.isArray(trigger.chain) ? trigger.chain.map(String) : [];
  return (
    <article aria-labelledby="run-title">
      <p className="crumbs">
        <Link to="/">Workflows</Link> /{' '}
        <Link to={`/workflows/${encodeURIComponent(run.workflowSlug)}`}>{run.workflowSlug}</Link>
      </p>
      <h1 id="run-title">
        Run <code>{shortId(run.id)}</code> <StatusBadge status={run.status} />
      </h1>
      <RerunButton runId={run.id} />
      <div className="cards">
        <section className="card" aria-labelledby={`${id}-facts`}>
          <h2 id={`${id}-facts`}>Run</h2>
          <dl className="facts">
            <dt>Run id</dt>
            <dd>
              <code>{run.id}</code>
            </dd>
            <dt>Partition</dt>
            <dd>{partitionLabel(run.partitionKey)}</dd>
            <dt>Run key</dt>
            <dd>{run.runKey ? <code>{run.runKey}</code> : '—'}</dd>
            <dt>Created</dt>
            <dd>
              <Time at={run.createdAt} />
            </dd>
            <dt>Started</dt>
            <dd>
              <Time at={run.startedAt} />
            </dd>
            <dt>Completed</dt>
            <dd>
              <Time at={run.completedAt} />
            </dd>
            <dt>Duration</dt>
            <dd>{runDuration(run, now)}</dd>
          </dl>
          {run.error ? (
            <p className="error-text" role="note">
              {run.error.message} <code>{run.error.code}</code>
            </p>
          ) : null}
          {run.waitingFor ? (
            <p className="muted">
              Waiting for <code>{run.waitingFor.assetId}</code> ({partitionLabel(run.waitingFor.partitionKey)}) until{' '}
              <Time at={run.waitingFor.waitUntil} />
              {run.waitingFor.producerRunId ? (
                <ProducerRun runId={run.waitingFor.producerRunId} slug={run.waitingFor.producerWorkflowSlug} />
              ) : null}
            </p>
          ) : null}
        </section>
        <section className="card" aria-labelledby={`${id}-trigger`}>
          <h2 id={`${id}-trigger`}>Trigger</h2>
          <dl className="facts">
            <dt>Type</dt>
            <dd>{run.trigger.type}</dd>
            <dt>Triggered by</dt>
            <dd>{run.triggeredBy ?? '—'}</dd>
            {typeof trigger.reason === 'string' ? (
              <>
                <dt>Reason</dt>
                <dd>{explainReason(trigger.reason)}</dd>
              </>
            ) : null}
            {typeof trigger.assetId === 'string' ? (
              <>
                <dt>Asset</dt>
                <dd>
                  <Link to={`/assets/${encodeURIComponent(trigger.assetId)}`}>{trigger.assetId}</Link>
                </dd>
              </>
            ) : null}
            {run.trigger.type === 'rerun' && typeof trigger.runId === 'string' ? (
              <>
                <dt>Re-run of</dt>
                <dd>
                  <Link to={`/runs/${trigger.runId}`}>{shortId(trigger.runId)}</Link>
                </dd>
              </>
            ) : null}
            {upstream?.runId ? (
              <>
                <dt>Upstream run</dt>
                <dd>
                  <Link to={`/runs/${upstream.runId}`}>{shortId(upstream.runId)}</Link> ({upstream.workflowSlug})
                </dd>
              </>
            ) : null}
            {waiting?.runId ? (
              <>
                <dt>Waiting run</dt>
                <dd>
                  <Link to={`/runs/${waiting.runId}`}>{shortId(waiting.runId)}</Link> ({waiting.workflowSlug})
                </dd>
              </>
            ) : null}
            {chain.length > 0 ? (
              <>
                <dt>Chain</dt>
                <dd>
                  <ol className="chain" aria-label="Trigger chain">
                    {chain.map((slug, index) => (
                      <li key={`${slug}:${index}`}>
                        <Link to={`/workflows/${encodeURIComponent(slug)}`}>{slug}</Link>
                      </li>
                    ))}
                  </ol>
                </dd>
              </>
            ) : null}
          </dl>
        </section>
      </div>
      <section className="panel" aria-labelledby={`${id}-steps`}>
        <h2 id={`${id}-steps`}>Steps</h2>
        <TableRegion label="Steps">
          <table>
            <thead>
              <tr>
                <th scope="col">Step</th>
                <th scope="col">Status</th>
                <th scope="col">Attempt</th>
                <th scope="col">Started</th>
                <th scope="col">Duration</th>
                <th scope="col">Error and warnings</th>
                <th scope="col">Produced assets</th>
              </tr>
            </thead>
            <tbody>
              {run.steps.map((step) => (
                <tr key={step.stepId} data-testid="run-step">
                  <th scope="row">{step.stepId}</th>
                  <td>
                    <StatusBadge status={step.status} />
                  </td>
                  <td className="num">{step.attempt}</td>
                  <td>
                    <Time at={step.startedAt} />
                  </td>
                  <td>{runDuration(step, now)}</td>
                  <td>
                    {step.error ? (
                      <div className="error-text">
                        {step.error.message} <code>{step.error.code}</code>
                      </div>
                    ) : null}
                    {step.warnings.map((warning) => (
                      <div key={`${warning.code}:${warning.assetId}`} className="warn-text">
                        {warning.message} <code>{warning.code}</code>
                      </div>
                    ))}
                    {!step.error && step.warnings.length === 0 ? '—' : null}
                  </td>
                  <td>
                    {step.producedAssets.length === 0 ? (
                      '—'
                    ) : (
                      <ul className="plain">
                        {step.producedAssets.map((asset) => (
                          <li key={`${asset.assetId}:${asset.partitionKey}`}>
                            <Link to={`/assets/${encodeURIComponent(asset.assetId)}`}>{asset.assetId}</Link> ·{' '}
                            {partitionLabel(asset.partitionKey)}
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableRegion>
      </section>
      <section className="panel" aria-labelledby={`${id}-params`}>
        <h2 id={`${id}-params`}>Parameters</h2>
        <pre className="json" tabIndex={0} aria-label="Run parameters">
          {JSON.stringify(run.parameters, null, 2)}
        </pre>
      </section>
    </article>
  );
}

/**
 * The run the materializer requests for a waiting run's missing asset. Its id is known before it exists; when the
 * request joined a run already in flight (coalesced), no run with that id is ever created, so a 404 says so.
 */
function ProducerRun({ runId, slug }: { runId: string; slug: string | null }) {
  const producer = useRun(runId);
  const missing = producer.error instanceof ApiError && producer.error.status === 404;
  return <ProducerRunNote runId={runId} slug={slug} missing={missing} />;
}

export function ProducerRunNote({ runId, slug, missing }: { runId: string; slug: string | null; missing: boolean }) {
  if (missing)
    return (
      <>
        ; no producer run of its own yet: the request may have joined a run already in flight
        {slug ? (
          <>
            {' '}
            (see <Link to={`/workflows/${encodeURIComponent(slug)}`}>{slug}</Link>, Decisions)
          </>
        ) : null}
      </>
    );
  return (
    <>
      ; producer run <Link to={`/runs/${runId}`}>{shortId(runId)}</Link>
    </>
  );
}
