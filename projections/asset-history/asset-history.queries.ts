import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../database.js';
import { readInIndexOrder } from '../index-order.js';

/** One materialization as the HTTP API shows it (DESIGN §5: history entries and `latest`). */
export interface Materialization {
  assetId: string;
  workflowSlug: string;
  runId: string;
  stepId: string;
  partitionKey: string | null;
  producedAt: string;
  payload: unknown;
  schema: Record<string, unknown> | null;
  freshness: Record<string, unknown> | null;
  /** Status of the producing run (null while the run read model has not seen it). */
  runStatus: string | null;
  /** Stream sequence of the `asset.produced` event. */
  eventSeq: number;
}

/** Position of a materialization in "newest first" order: (producedAt desc, seq desc). */
export interface HistoryPosition {
  producedAt: string;
  seq: number;
}

/** A stored materialization with its run's status, as page reads select it. */
export interface MaterializationRow {
  asset_id: string;
  workflow_slug: string;
  run_id: string;
  step_id: string;
  partition_key: string | null;
  produced_at: Date;
  payload: unknown;
  asset_schema: Record<string, unknown> | null;
  freshness: Record<string, unknown> | null;
  run_status: string | null;
  seq: number;
}

/** Explicit row → JSON mapping. */
export function toMaterialization(row: MaterializationRow): Materialization {
  return {
    assetId: row.asset_id,
    workflowSlug: row.workflow_slug,
    runId: row.run_id,
    stepId: row.step_id,
    partitionKey: row.partition_key,
    producedAt: row.produced_at.toISOString(),
    payload: row.payload ?? null,
    schema: row.asset_schema,
    freshness: row.freshness,
    runStatus: row.run_status,
    eventSeq: row.seq,
  };
}

const COLUMNS = sql`m.event_id, m.asset_id, m.workflow_slug, m.run_id, m.step_id, m.partition_key, m.produced_at, m.payload,
  m.asset_schema, m.freshness, m.seq`;

/**
 * The producing run's status for each selected materialization: one primary-key probe per row (a lateral
 * subquery), so a page never joins against the whole run table, whatever the planner knows about it.
 */
function withRunStatus(selected: RawBuilder<unknown>) {
  return sql<MaterializationRow & { event_id: string }>`
    select m.*, r.status as run_status from (${selected}) m
    left join lateral (select status from workflow_run where id = m.run_id limit 1) r on true`;
}

/**
 * A workflow's materializations of one asset (optionally one partition), newest first, after `before`: a keyset
 * page on `asset_materialization_wf_asset_idx` / `…_wf_asset_pk_idx` (equality on every leading column, the order
 * of the index), whatever the history length.
 */
export async function listHistory(db: Kysely<Database>, filter: HistoryFilter): Promise<Materialization[]> {
  return (await listHistoryEntries(db, filter)).map(({ materialization }) => materialization);
}

/** A page of history entries as `listHistory` reads them. */
export interface HistoryFilter {
  slug: string;
  assetId: string;
  partitionKey?: string | null;
  limit: number;
  before?: HistoryPosition;
}

/** A materialization with the id of its `asset.produced` event (the key of what else is read about it). */
export interface StoredMaterialization {
  eventId: string;
  materialization: Materialization;
}

/** `listHistory` with each entry's event id. */
export async function listHistoryEntries(
  db: Kysely<Database>,
  filter: HistoryFilter,
): Promise<StoredMaterialization[]> {
  const partition =
    filter.partitionKey === undefined || filter.partitionKey === null
      ? sql``
      : sql`and m.partition_key = ${filter.partitionKey}`;
  const before = filter.before
    ? sql`and (m.produced_at, m.seq) < (${filter.before.producedAt}::timestamptz, ${filter.before.seq}::bigint)`
    : sql``;
  const page = sql`select ${COLUMNS} from asset_materialization m
    where m.workflow_slug = ${filter.slug} and m.asset_id = ${filter.assetId} ${partition} ${before}
    order by m.produced_at desc, m.seq desc limit ${filter.limit}`;
  const rows = await readInIndexOrder(db, (tx) => withRunStatus(page).execute(tx));
  return rows.rows.map((row) => ({ eventId: row.event_id, materialization: toMaterialization(row) }));
}

/** The newest materialization (across partitions) of each asset by one workflow, by asset id. */
export async function latestOfWorkflowAssets(
  db: Kysely<Database>,
  slug: string,
  assetIds: readonly string[],
): Promise<Map<string, Materialization>> {
  if (assetIds.length === 0) return new Map();
  const latest = await readInIndexOrder(db, (tx) =>
    sql<{ event_id: string }>`
    select l.event_id from unnest(${[...assetIds]}::text[]) as a(asset_id)
    cross join lateral (
      select m.event_id from asset_materialization m where m.workflow_slug = ${slug} and m.asset_id = a.asset_id
      order by m.produced_at desc, m.seq desc limit 1
    ) l`.execute(tx),
  );
  const byEvent = await materializationsByEventIds(
    db,
    latest.rows.map((row) => row.event_id),
  );
  return new Map([...byEvent.values()].map((materialization) => [materialization.assetId, materialization]));
}

/** Materializations by `asset.produced` event id. */
export async function materializationsByEventIds(
  db: Kysely<Database>,
  eventIds: readonly string[],
): Promise<Map<string, Materialization>> {
  if (eventIds.length === 0) return new Map();
  const page = sql`select ${COLUMNS} from unnest(${[...new Set(eventIds)]}::text[]) as k(event_id)
    cross join lateral (select * from asset_materialization a where a.event_id = k.event_id order by a.event_id limit 1) m`;
  const rows = await withRunStatus(page).execute(db);
  return new Map(rows.rows.map((row) => [row.event_id, toMaterialization(row)]));
}

/**
 * Asset ids a workflow produced (also ones it no longer declares), by an index skip scan: one probe per distinct
 * id instead of reading every materialization.
 */
export async function producedAssetIds(db: Kysely<Database>, slug: string): Promise<string[]> {
  const result = await sql<{ asset_id: string }>`
    with recursive ids(asset_id) as (
      (select asset_id from asset_materialization where workflow_slug = ${slug} order by asset_id limit 1)
      union all
      select (select m.asset_id from asset_materialization m where m.workflow_slug = ${slug} and m.asset_id > ids.asset_id order by m.asset_id limit 1)
      from ids where ids.asset_id is not null
    )
    select asset_id from ids where asset_id is not null`.execute(db);
  return result.rows.map((row) => row.asset_id);
}
