import { useId } from 'react';
import { Link } from 'react-router';
import { problemOf } from '../api/problem';
import { useBackfills, useCancelBackfill } from '../api/queries';
import type { Backfill } from '../api/types';
import { StatusBadge } from '../components/badges';
import { Empty, ErrorState, Loading } from '../components/states';
import { TableRegion } from '../components/table';
import { Time } from '../components/time';
import { shortId } from '../logic/format';

const DONE = ['succeeded', 'failed', 'canceled', 'skipped'] as const;

/** The backfills of a workflow with their progress (counts per partition status), newest first; cancel. */
export function BackfillsTab({ slug }: { slug: string }) {
  const backfills = useBackfills(slug);
  const cancel = useCancelBackfill(slug);
  const id = useId();
  const all = backfills.data?.pages.flatMap((page) => page.data) ?? [];
  return (
    <section aria-labelledby={`${id}-title`} className="panel">
      <div className="panel-head">
        <h2 id={`${id}-title`}>Backfills</h2>
      </div>
      {cancel.isError ? <p role="alert">{problemOf(cancel.error).title}</p> : null}
      {backfills.isPending ? (
        <Loading what="backfills" />
      ) : backfills.isError ? (
        <ErrorState error={backfills.error} onRetry={() => void backfills.refetch()} />
      ) : all.length === 0 ? (
        <Empty>
          No backfills yet. Start one with <code>POST /workflows/{slug}/backfills</code>.
        </Empty>
      ) : (
        <>
          <TableRegion label="Backfills">
            <table>
              <thead>
                <tr>
                  <th scope="col">Backfill</th>
                  <th scope="col">Status</th>
                  <th scope="col">Partitions</th>
                  <th scope="col">Progress</th>
                  <th scope="col">Created</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {all.map((backfill) => (
                  <tr key={backfill.id}>
                    <td>
                      <code title={backfill.id}>{shortId(backfill.id)}</code>
                    </td>
                    <td>
                      <StatusBadge status={backfill.status} />
                    </td>
                    <td>{selection(backfill)}</td>
                    <td>
                      <Progress backfill={backfill} />
                    </td>
                    <td>
                      <Time at={backfill.createdAt} />
                    </td>
                    <td>
                      {backfill.status === 'running' ? (
                        <button
                          type="button"
                          disabled={cancel.isPending}
                          onClick={() => cancel.mutate(backfill.id)}
                          aria-label={`Cancel backfill ${shortId(backfill.id)}`}
                        >
                          Cancel
                        </button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableRegion>
          {backfills.hasNextPage ? (
            <button
              type="button"
              onClick={() => void backfills.fetchNextPage()}
              disabled={backfills.isFetchingNextPage}
            >
              {backfills.isFetchingNextPage ? 'Loading…' : 'Load older backfills'}
            </button>
          ) : null}
          <p className="muted">
            Runs of each partition are listed under <Link to="?tab=runs">Runs</Link> (trigger <code>backfill</code>).
          </p>
        </>
      )}
    </section>
  );
}

function selection(backfill: Backfill): string {
  const count = `${backfill.partitionCount} ${backfill.partitionCount === 1 ? 'partition' : 'partitions'}`;
  return backfill.range ? `${backfill.range.from} → ${backfill.range.to} (${count})` : count;
}

/** Finished out of total, with every non-zero status count in words. */
function Progress({ backfill }: { backfill: Backfill }) {
  const { counts } = backfill;
  const finished = DONE.reduce((sum, status) => sum + counts[status], 0);
  const parts = (['running', 'waiting', 'requested', 'queued', ...DONE] as const)
    .filter((status) => counts[status] > 0)
    .map((status) => `${counts[status]} ${status}`);
  return (
    <span>
      <progress max={counts.total} value={finished} aria-label={`${finished} of ${counts.total} partitions finished`} />{' '}
      {parts.join(' · ')}
    </span>
  );
}
