import { useId, useState } from 'react';
import { Link } from 'react-router';
import { useRuns } from '../api/queries';
import type { RunStatus } from '../api/types';
import { StatusBadge } from '../components/badges';
import { Empty, ErrorState, Loading } from '../components/states';
import { TableRegion } from '../components/table';
import { Time } from '../components/time';
import { RUN_STATUSES, triggerOf } from '../logic/auto-activity';
import { partitionLabel, runDuration, shortId } from '../logic/format';
import { useNow } from '../logic/use-now';

/** Every run of the workflow, newest first, filtered by status, cursor-paged. */
export function RunsTab({ slug }: { slug: string }) {
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
