import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { usePartitionActions, usePartitions } from '../api/queries';
import type { Partition } from '../api/types';
import { Chip, StatusBadge } from '../components/badges';
import { CheckBadges } from '../components/check-badges';
import { Empty, ErrorState, Loading } from '../components/states';
import { Time } from '../components/time';
import { partitionLabel, shortId } from '../logic/format';
import { hasManualMark, partitionBadge } from '../logic/partition-status';
import { parametersSourceLabel } from '../logic/policy';
import { MarkStaleDialog, RecomputeDialog } from './partition-dialogs';

const ROW_HEIGHT = 52;
const COLUMNS = 8;

/** A partition entry for an unpartitioned asset that was never produced (so Recompute is still offered). */
const GLOBAL: Partition = {
  partitionKey: null,
  materializations: 0,
  latest: null,
  isStale: false,
  staleReasons: [],
  expiredAt: null,
  staleMetadata: null,
  parameters: null,
  parametersSource: null,
};

/**
 * Partitions of an asset, paged from the server (200 a page) and virtualized (only the visible rows are in the DOM),
 * so 100k partitions scroll smoothly; the next page loads when the end comes into view.
 */
export function PartitionsTable({
  slug,
  assetId,
  partitioned,
}: {
  slug: string;
  assetId: string;
  partitioned: boolean;
}) {
  const query = usePartitions(slug, assetId);
  const actions = usePartitionActions(slug, assetId);
  const [dialog, setDialog] = useState<{ kind: 'stale' | 'recompute'; partition: Partition } | null>(null);
  const [notice, setNotice] = useState<ReactNode>(null);
  const id = useId();
  const loaded = query.data?.pages.flatMap((page) => page.data?.partitions ?? []) ?? [];
  const rows = loaded.length === 0 && !partitioned && query.isSuccess ? [GLOBAL] : loaded;
  const total = query.data?.pages[0]?.meta?.total;
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length + (query.hasNextPage ? 1 : 0),
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items[items.length - 1]?.index ?? 0;
  useEffect(() => {
    if (lastIndex >= rows.length - 20 && query.hasNextPage && !query.isFetchingNextPage) void query.fetchNextPage();
  }, [lastIndex, rows.length, query]);
  const failure = [actions.markStale, actions.clearStale, actions.clearParameters].find((m) => m.isError)?.error;
  const paddingTop = items[0]?.start ?? 0;
  const paddingBottom = virtualizer.getTotalSize() - (items[items.length - 1]?.end ?? 0);

  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <div className="panel-head">
        <h2 id={`${id}-title`}>Partitions</h2>
        <span className="muted" aria-live="polite">
          {query.isSuccess ? `${loaded.length}${typeof total === 'number' ? ` of ${total}` : ''} loaded` : ''}
        </span>
      </div>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      {failure ? <ErrorState error={failure} /> : null}
      {query.isPending ? (
        <Loading what="partitions" />
      ) : query.isError ? (
        <ErrorState error={query.error} onRetry={() => void query.refetch()} />
      ) : rows.length === 0 ? (
        <Empty>No partitions yet.</Empty>
      ) : (
        <div ref={scroller} className="virtual-scroll" role="region" aria-label="Partitions table" tabIndex={0}>
          <table className="partitions" aria-rowcount={typeof total === 'number' ? total + 1 : -1}>
            <thead>
              <tr>
                <th scope="col">Partition</th>
                <th scope="col">Status</th>
                <th scope="col">Materializations</th>
                <th scope="col">Latest run</th>
                <th scope="col">Produced at</th>
                <th scope="col">Checks</th>
                <th scope="col">Stored parameters</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {paddingTop > 0 ? (
                <tr aria-hidden="true" style={{ height: paddingTop }}>
                  <td colSpan={COLUMNS} />
                </tr>
              ) : null}
              {items.map((item) => {
                const partition = rows[item.index];
                if (!partition) {
                  return (
                    <tr key="loader" style={{ height: ROW_HEIGHT }}>
                      <td colSpan={COLUMNS}>Loading more partitions…</td>
                    </tr>
                  );
                }
                const badge = partitionBadge(partition);
                const label = partitionLabel(partition.partitionKey);
                return (
                  <tr
                    key={partition.partitionKey ?? '\u0000global'}
                    style={{ height: ROW_HEIGHT }}
                    aria-rowindex={item.index + 2}
                    data-partition={label}
                  >
                    <th scope="row">{label}</th>
                    <td>
                      <Chip tone={badge.tone === 'muted' ? undefined : badge.tone}>{badge.text}</Chip>
                    </td>
                    <td className="num">{partition.materializations ?? 0}</td>
                    <td>
                      {partition.latest?.runId ? (
                        <span className="inline">
                          <Link to={`/runs/${partition.latest.runId}`}>{shortId(partition.latest.runId)}</Link>{' '}
                          <StatusBadge status={partition.latest.runStatus} />
                        </span>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td>
                      <Time at={partition.latest?.producedAt} />
                    </td>
                    <td>{partition.latest ? <CheckBadges checks={partition.latest.checks} /> : '—'}</td>
                    <td>{partition.parametersSource ? parametersSourceLabel(partition.parametersSource) : '—'}</td>
                    <td className="row-actions">
                      <div>
                        {hasManualMark(partition) ? (
                          <button
                            type="button"
                            onClick={() =>
                              actions.clearStale.mutate(partition.partitionKey ?? null, {
                                onSuccess: () => setNotice(`Cleared the stale mark of ${label}.`),
                              })
                            }
                            aria-label={`Clear stale ${label}`}
                          >
                            Clear stale
                          </button>
                        ) : (
                          <button
                            type="button"
                            onClick={() => setDialog({ kind: 'stale', partition })}
                            aria-label={`Mark stale ${label}`}
                          >
                            Mark stale
                          </button>
                        )}
                        <button
                          type="button"
                          onClick={() => setDialog({ kind: 'recompute', partition })}
                          aria-label={`Recompute ${label}`}
                        >
                          Recompute
                        </button>
                        {partition.parametersSource === 'manual' ? (
                          <button
                            type="button"
                            onClick={() =>
                              actions.clearParameters.mutate(partition.partitionKey ?? null, {
                                onSuccess: () => setNotice(`Cleared the stored parameters of ${label}.`),
                              })
                            }
                            aria-label={`Clear stored parameters of ${label}`}
                          >
                            Clear stored parameters
                          </button>
                        ) : null}
                      </div>
                    </td>
                  </tr>
                );
              })}
              {paddingBottom > 0 ? (
                <tr aria-hidden="true" style={{ height: paddingBottom }}>
                  <td colSpan={COLUMNS} />
                </tr>
              ) : null}
            </tbody>
          </table>
        </div>
      )}
      {dialog?.kind === 'stale' ? (
        <MarkStaleDialog
          partition={dialog.partition}
          mutation={actions.markStale}
          onDone={(message) => {
            setDialog(null);
            if (message) setNotice(message);
          }}
        />
      ) : null}
      {dialog?.kind === 'recompute' ? (
        <RecomputeDialog
          slug={slug}
          partition={dialog.partition}
          mutation={actions.recompute}
          onDone={(message) => {
            setDialog(null);
            if (message) setNotice(message);
          }}
        />
      ) : null}
    </section>
  );
}
