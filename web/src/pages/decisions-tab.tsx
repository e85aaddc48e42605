import { useId, useState } from 'react';
import { Link } from 'react-router';
import { useAutoMaterialize } from '../api/queries';
import type { Decision, Run } from '../api/types';
import { StatusBadge } from '../components/badges';
import { Empty, QueryState } from '../components/states';
import { TableRegion } from '../components/table';
import { Time } from '../components/time';
import { explainReason } from '../logic/auto-activity';
import { partitionLabel, shortId } from '../logic/format';

const OUTCOMES = ['enqueued', 'coalesced', 'deferred-backoff', 'skipped'] as const;

/** "Why did / didn't it run?": every trigger the materializer considered, with its outcome and reason. */
export function DecisionsTab({ slug }: { slug: string }) {
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
