import { sql, type RawBuilder, type Selectable, type Transaction } from 'kysely';
import { partitioningOf } from '../../src/assets/asset-declarations.js';
import type { Partitioning } from '../../src/partitions/index.js';
import type { StoredEvent } from '../../src/events/envelope.js';
import type { AssetPartitionTable } from '../asset-materializations/asset-materializations.table.js';
import type { Database } from '../database.js';
import { primaryKeyProbe } from '../index-order.js';
import { columnList, jsonText, unnestRows, type BatchColumn } from '../unnest-rows.js';
import type { CatalogDelta } from './catalog-delta.js';
import { fromRow, partitionIdKey, type PartitionId, type PartitionState } from './partition-state.js';

// Every statement here takes the batch as one array per column (`unnest`), so its text and plan do not depend on
// the batch size, and lookups are index probes on the primary key whatever the table's statistics say.

const ID_COLUMNS: readonly BatchColumn<PartitionId>[] = [
  { name: 'workflow_slug', type: 'text', value: (id) => id.workflowSlug },
  { name: 'asset_id', type: 'text', value: (id) => id.assetId },
  { name: 'partition_key_norm', type: 'text', value: (id) => id.partitionKeyNorm },
];

const STATE_COLUMNS: readonly BatchColumn<PartitionState>[] = [
  ...(ID_COLUMNS as readonly BatchColumn<PartitionState>[]),
  { name: 'partition_key', type: 'text', value: (s) => s.partitionKey },
  { name: 'sort_key', type: 'double precision', value: (s) => s.sortKey },
  { name: 'materializations', type: 'integer', value: (s) => s.materializations },
  { name: 'latest_event_id', type: 'text', value: (s) => s.latestEventId },
  { name: 'latest_seq', type: 'bigint', value: (s) => s.latestSeq },
  { name: 'latest_produced_at', type: 'timestamptz', value: (s) => s.latestProducedAt },
  { name: 'latest_run_id', type: 'text', value: (s) => s.latestRunId },
  { name: 'first_seen_seq', type: 'bigint', value: (s) => s.firstSeenSeq },
  { name: 'expired_at', type: 'timestamptz', value: (s) => s.expiredAt },
  { name: 'expired_reason', type: 'text', value: (s) => s.expiredReason },
  { name: 'stale_requested_at', type: 'timestamptz', value: (s) => s.staleRequestedAt },
  { name: 'stale_requested_by', type: 'text', value: (s) => s.staleRequestedBy },
  { name: 'stale_note', type: 'text', value: (s) => s.staleNote },
  { name: 'parameters', type: 'jsonb', value: (s) => jsonText(s.parameters) },
  { name: 'parameters_source', type: 'text', value: (s) => s.parametersSource },
  { name: 'parameters_captured_at', type: 'timestamptz', value: (s) => s.parametersCapturedAt },
  { name: 'parameters_updated_at', type: 'timestamptz', value: (s) => s.parametersUpdatedAt },
  { name: 'last_seq', type: 'bigint', value: (s) => s.lastSeq },
];

const UPDATED_COLUMNS = STATE_COLUMNS.slice(ID_COLUMNS.length).filter((c) => c.name !== 'first_seen_seq');

const EVENT_COLUMNS: readonly BatchColumn<StoredEvent>[] = [
  { name: 'event_id', type: 'text', value: (e) => e.id },
  { name: 'seq', type: 'bigint', value: (e) => e.seq },
];

/** What a batch needs read before it folds (one scalar subquery, see `loadBatch`). */
export interface PartitionBatchState {
  /** Event ids of the batch already applied. */
  seen: Set<string>;
  /** Stored rows of the partitions the batch touches, by `partitionIdKey`. */
  partitions: Map<string, PartitionState>;
  /** Each (workflow, asset)'s partitioning (keyed `slug\0assetId`; null if none). */
  partitionings: Map<string, Partitioning | null>;
}

/** Records the events' ids (a duplicate id changes nothing). */
export function claimEventIds(events: readonly StoredEvent[]): RawBuilder<unknown> {
  const unique = [...new Map(events.map((event) => [event.id, event])).values()];
  return sql`insert into asset_partition_event (${columnList(EVENT_COLUMNS)}) ${unnestRows(EVENT_COLUMNS, unique)}
    on conflict (event_id) do nothing`;
}

/**
 * One JSON value with the ids already applied, the stored rows of `ids` and the declarations of their assets:
 * `{ seen, partitions, declarations }`.
 */
export function loadBatch(events: readonly StoredEvent[], ids: readonly PartitionId[]): RawBuilder<unknown> {
  const eventIds = [...new Set(events.map((event) => event.id))];
  const assetIds = [...new Set(ids.map((id) => id.assetId))];
  return sql`json_build_object(
    'seen', (select coalesce(json_agg(e.event_id), '[]'::json) from unnest(${eventIds}::text[]) as k(event_id)
      join asset_partition_event e on e.event_id = k.event_id),
    'partitions', (${partitionRowsJson(ids)}),
    'declarations', (select coalesce(json_agg(json_build_object('workflow_slug', d.workflow_slug,
        'asset_id', d.asset_id, 'direction', d.direction, 'partitioning', d.partitioning, 'freshness', d.freshness)
        order by d.position), '[]'::json)
      from workflow_asset_declarations d where d.asset_id = any(${assetIds}::text[])))`;
}

const TIMESTAMP_COLUMNS = [
  'latest_produced_at',
  'expired_at',
  'stale_requested_at',
  'parameters_captured_at',
  'parameters_updated_at',
] as const;

/** Reads `loadBatch`'s value (JSON timestamps back to dates, as the driver returns them). */
export function parseBatch(
  loaded: { seen: string[]; partitions: Array<Record<string, unknown>>; declarations: Declaration[] },
  ids: readonly PartitionId[],
): PartitionBatchState {
  const partitions = new Map<string, PartitionState>();
  for (const raw of loaded.partitions) {
    const row = { ...raw };
    for (const column of TIMESTAMP_COLUMNS) if (row[column] !== null) row[column] = new Date(row[column] as string);
    const state = fromRow(row as unknown as Selectable<AssetPartitionTable>);
    partitions.set(partitionIdKey(state), state);
  }
  const partitionings = new Map<string, Partitioning | null>();
  for (const id of ids) {
    const declarations = loaded.declarations.filter(
      (row) => row.workflow_slug === id.workflowSlug && row.asset_id === id.assetId,
    );
    partitionings.set(`${id.workflowSlug}\u0000${id.assetId}`, partitioningOf(declarations));
  }
  return { seen: new Set(loaded.seen), partitions, partitionings };
}

type Declaration = Parameters<typeof partitioningOf>[0][number] & { workflow_slug: string; asset_id: string };

/**
 * The stored rows of these partitions as a JSON array: one primary-key probe per id (without statistics a plain
 * join walks every partition of the asset on another index, per batch).
 */
function partitionRowsJson(ids: readonly PartitionId[]): RawBuilder<unknown> {
  return sql`select coalesce(json_agg(to_json(p)), '[]'::json) from (${unnestRows(ID_COLUMNS, ids)}) k
    cross join lateral (${primaryKeyProbe(sql`asset_partition`, sql`(k.workflow_slug, k.asset_id, k.partition_key_norm)`)}) p
    where p.workflow_slug = k.workflow_slug and p.asset_id = k.asset_id and p.partition_key_norm = k.partition_key_norm`;
}

/** The stored rows of these partitions, by `partitionIdKey` (the read `loadBatch` makes, on its own). */
export async function loadPartitions(
  tx: Transaction<Database>,
  ids: readonly PartitionId[],
): Promise<Map<string, PartitionState>> {
  if (ids.length === 0) return new Map();
  const { rows } = await sql<{
    loaded: Array<Record<string, unknown>>;
  }>`select (${partitionRowsJson(ids)}) as loaded`.execute(tx);
  return parseBatch({ seen: [], partitions: rows[0]!.loaded, declarations: [] }, []).partitions;
}

/** Upserts changed rows (guarded by `last_seq`) and deletes emptied ones. */
export function writePartitions(
  upserts: readonly PartitionState[],
  deletes: readonly PartitionId[],
): RawBuilder<unknown>[] {
  const writes: RawBuilder<unknown>[] = [];
  if (upserts.length > 0) {
    const updates = sql.join(UPDATED_COLUMNS.map((c) => sql`${sql.id(c.name)} = excluded.${sql.id(c.name)}`));
    writes.push(sql`insert into asset_partition (${columnList(STATE_COLUMNS)}) ${unnestRows(STATE_COLUMNS, upserts)}
      on conflict (workflow_slug, asset_id, partition_key_norm) do update set ${updates}
      where asset_partition.last_seq < excluded.last_seq`);
  }
  if (deletes.length > 0) {
    writes.push(sql`delete from asset_partition a using (${unnestRows(ID_COLUMNS, deletes)}) k
      where a.workflow_slug = k.workflow_slug and a.asset_id = k.asset_id and a.partition_key_norm = k.partition_key_norm`);
  }
  return writes;
}

const NEWER = sql`excluded.latest_seq is not null and (asset_catalog.latest_seq is null
  or (excluded.latest_produced_at, excluded.latest_seq) > (asset_catalog.latest_produced_at, asset_catalog.latest_seq))`;

const CATALOG_COLUMNS: readonly BatchColumn<CatalogDelta>[] = [
  { name: 'asset_id', type: 'text', value: (d) => d.assetId },
  { name: 'partition_count', type: 'integer', value: (d) => d.partitionCount },
  { name: 'materializations', type: 'bigint', value: (d) => d.materializations },
  { name: 'latest_event_id', type: 'text', value: (d) => d.latest?.eventId ?? null },
  { name: 'latest_seq', type: 'bigint', value: (d) => d.latest?.seq ?? null },
  { name: 'latest_produced_at', type: 'timestamptz', value: (d) => d.latest?.producedAt ?? null },
  { name: 'latest_workflow_slug', type: 'text', value: (d) => d.latest?.workflowSlug ?? null },
  { name: 'last_seq', type: 'bigint', value: (d) => d.lastSeq },
];

/** Adds a batch's per-asset changes to `asset_catalog` (the newest latest wins). */
export function applyCatalogDeltas(deltas: readonly CatalogDelta[]): RawBuilder<unknown>[] {
  if (deltas.length === 0) return [];
  return [
    sql`insert into asset_catalog (${columnList(CATALOG_COLUMNS)}) ${unnestRows(CATALOG_COLUMNS, deltas)}
    on conflict (asset_id) do update set
      partition_count = asset_catalog.partition_count + excluded.partition_count,
      materializations = asset_catalog.materializations + excluded.materializations,
      latest_event_id = case when ${NEWER} then excluded.latest_event_id else asset_catalog.latest_event_id end,
      latest_produced_at = case when ${NEWER} then excluded.latest_produced_at else asset_catalog.latest_produced_at end,
      latest_workflow_slug = case when ${NEWER} then excluded.latest_workflow_slug else asset_catalog.latest_workflow_slug end,
      latest_seq = case when ${NEWER} then excluded.latest_seq else asset_catalog.latest_seq end,
      last_seq = excluded.last_seq
    where asset_catalog.last_seq < excluded.last_seq`,
  ];
}
