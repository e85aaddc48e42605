import { sql, type Kysely } from 'kysely';
import { keepNewest, type CheckSummary } from '../asset-checks/check-summaries.queries.js';
import type { Database } from '../database.js';
import { readInIndexOrder } from '../index-order.js';
import {
  toMaterialization,
  type HistoryFilter,
  type Materialization,
  type MaterializationRow,
} from './asset-history.queries.js';

/** A history entry with its check results, as `GET …/history` shows it. */
export type CheckedHistoryEntry = Materialization & { checks: CheckSummary[] };

/** "No cursor": after every stored materialization (none is produced at infinity). */
const NO_CURSOR_AT = 'infinity';
const NO_CURSOR_SEQ = '9223372036854775807';

interface PageRow extends MaterializationRow {
  i: number;
  /** `[name, passed, severity, blocking]` per stored check result, oldest first. */
  checks: Array<[string, boolean, string, boolean]>;
}

const PAGE_COLUMNS = sql`m.asset_id, m.workflow_slug, m.run_id, m.step_id, m.partition_key, m.produced_at, m.payload,
  m.asset_schema, m.freshness, m.seq, m.event_id`;

/**
 * Several history pages (`listHistory` filters) in ONE statement and one round trip, each entry with its producing
 * run's status and its check results. Each filter is a row of `unnest`ed arrays; per row a lateral keyset page walks
 * `asset_materialization_wf_asset_idx` (all partitions) or `…_wf_asset_pk_idx` (one partition): the branch whose
 * condition on the row's own values is false is skipped as a whole (a one-time filter), so a row never reads the
 * other index. The run status and the check results are probes of one row each (primary key,
 * `asset_check_produced_idx`). Through the page-read pool this is the select alone (issue 15: a history read was
 * two statements, and concurrent reads each took a pool connection for their round trips).
 *
 * Per materialization, the newest result of each check wins, in the order the checks were first evaluated (as
 * `checkSummariesByProducedIds`). Pages come back in the order of `filters`, each newest first.
 */
export async function readHistoryPages(
  db: Kysely<Database>,
  filters: readonly HistoryFilter[],
): Promise<CheckedHistoryEntry[][]> {
  if (filters.length === 0) return [];
  const statement = historyPagesStatement(filters);
  const result = await readInIndexOrder(db, (tx) => statement.execute(tx));
  const pages: CheckedHistoryEntry[][] = filters.map(() => []);
  for (const row of result.rows) pages[row.i - 1]!.push({ ...toMaterialization(row), checks: summaries(row.checks) });
  for (const page of pages) page.sort(newestFirst);
  return pages;
}

function newestFirst(a: Materialization, b: Materialization): number {
  const at = Date.parse(b.producedAt) - Date.parse(a.producedAt);
  return at !== 0 ? at : b.eventSeq - a.eventSeq;
}

/** The newest result of each check, in the order the checks were first evaluated. */
function summaries(results: PageRow['checks']): CheckSummary[] {
  const list: CheckSummary[] = [];
  for (const [name, passed, severity, blocking] of results) keepNewest(list, { name, passed, severity, blocking });
  return list;
}

/** The statement of `readHistoryPages` (exported for its plan test). */
export function historyPagesStatement(filters: readonly HistoryFilter[]) {
  const column = <T>(pick: (filter: HistoryFilter) => T) => filters.map(pick);
  return sql<PageRow>`
    select q.i::int as i, m.*,
      (select r.status from workflow_run r where r.id = m.run_id limit 1) as run_status,
      (select coalesce(json_agg(json_build_array(c.check_name, c.passed, c.severity, c.blocking) order by c.seq), '[]'::json)
        from asset_check c where c.produced_event_id = m.event_id) as checks
    from unnest(
      ${column((f) => f.slug)}::text[], ${column((f) => f.assetId)}::text[], ${column((f) => f.partitionKey ?? null)}::text[],
      ${column((f) => f.before?.producedAt ?? NO_CURSOR_AT)}::timestamptz[],
      ${column((f) => (f.before ? String(f.before.seq) : NO_CURSOR_SEQ))}::bigint[],
      ${column((f) => f.limit)}::int[]
    ) with ordinality as q(slug, asset_id, partition_key, before_at, before_seq, lim, i)
    cross join lateral (
      (select ${PAGE_COLUMNS} from asset_materialization m
        where q.partition_key is null and m.workflow_slug = q.slug and m.asset_id = q.asset_id
          and (m.produced_at, m.seq) < (q.before_at, q.before_seq)
        order by m.produced_at desc, m.seq desc limit q.lim)
      union all
      (select ${PAGE_COLUMNS} from asset_materialization m
        where q.partition_key is not null and m.workflow_slug = q.slug and m.asset_id = q.asset_id
          and m.partition_key = q.partition_key and (m.produced_at, m.seq) < (q.before_at, q.before_seq)
        order by m.produced_at desc, m.seq desc limit q.lim)
    ) m`;
}
