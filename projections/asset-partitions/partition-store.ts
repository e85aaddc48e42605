import { sql, type Transaction } from 'kysely';
import { partitioningOf } from '../../src/assets/asset-declarations.js';
import type { Partitioning } from '../../src/partitions/index.js';
import type { StoredEvent } from '../../src/events/envelope.js';
import type { Database } from '../database.js';
import type { CatalogDelta } from './catalog-delta.js';
import { fromRow, partitionIdKey, toRow, type PartitionId, type PartitionState } from './partition-state.js';

const CHUNK = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += CHUNK) result.push(items.slice(start, start + CHUNK));
  return result;
}

/** Records the events' ids; returns the ids seen for the first time (a duplicate id changes nothing). */
export async function claimEventIds(tx: Transaction<Database>, events: readonly StoredEvent[]): Promise<Set<string>> {
  const rows = [...new Map(events.map((event) => [event.id, { event_id: event.id, seq: event.seq }])).values()];
  const fresh = new Set<string>();
  for (const chunk of chunks(rows)) {
    const inserted = await tx
      .insertInto('asset_partition_event')
      .values(chunk)
      .onConflict((oc) => oc.column('event_id').doNothing())
      .returning('event_id')
      .execute();
    for (const row of inserted) fresh.add(row.event_id);
  }
  return fresh;
}

/** The stored rows of these partitions, by `partitionIdKey`. */
export async function loadPartitions(
  tx: Transaction<Database>,
  ids: readonly PartitionId[],
): Promise<Map<string, PartitionState>> {
  const states = new Map<string, PartitionState>();
  for (const chunk of chunks(ids)) {
    const tuples = sql.join(chunk.map((id) => sql`(${id.workflowSlug}, ${id.assetId}, ${id.partitionKeyNorm})`));
    const rows = await tx
      .selectFrom('asset_partition')
      .selectAll()
      .where(sql<boolean>`(workflow_slug, asset_id, partition_key_norm) in (${tuples})`)
      .execute();
    for (const row of rows) {
      const state = fromRow(row);
      states.set(partitionIdKey(state), state);
    }
  }
  return states;
}

/** Each (workflow, asset)'s partitioning from `workflow_asset_declarations` (keyed `slug\0assetId`; null if none). */
export async function loadPartitionings(
  tx: Transaction<Database>,
  pairs: ReadonlyArray<{ workflowSlug: string; assetId: string }>,
): Promise<Map<string, Partitioning | null>> {
  const result = new Map<string, Partitioning | null>();
  for (const chunk of chunks(pairs)) {
    const tuples = sql.join(chunk.map((pair) => sql`(${pair.workflowSlug}, ${pair.assetId})`));
    const rows = await tx
      .selectFrom('workflow_asset_declarations')
      .select(['workflow_slug', 'asset_id', 'direction', 'partitioning', 'freshness'])
      .where(sql<boolean>`(workflow_slug, asset_id) in (${tuples})`)
      .orderBy('position')
      .execute();
    for (const pair of chunk) {
      const declarations = rows.filter(
        (row) => row.workflow_slug === pair.workflowSlug && row.asset_id === pair.assetId,
      );
      result.set(`${pair.workflowSlug}\u0000${pair.assetId}`, partitioningOf(declarations));
    }
  }
  return result;
}

/** Upserts changed rows (guarded by `last_seq`) and deletes emptied ones. */
export async function writePartitions(
  tx: Transaction<Database>,
  upserts: readonly PartitionState[],
  deletes: readonly PartitionId[],
): Promise<void> {
  for (const chunk of chunks(upserts)) {
    await tx
      .insertInto('asset_partition')
      .values(chunk.map(toRow))
      .onConflict((oc) =>
        oc
          .columns(['workflow_slug', 'asset_id', 'partition_key_norm'])
          .doUpdateSet((eb) => ({
            partition_key: eb.ref('excluded.partition_key'),
            sort_key: eb.ref('excluded.sort_key'),
            materializations: eb.ref('excluded.materializations'),
            latest_event_id: eb.ref('excluded.latest_event_id'),
            latest_seq: eb.ref('excluded.latest_seq'),
            latest_produced_at: eb.ref('excluded.latest_produced_at'),
            latest_run_id: eb.ref('excluded.latest_run_id'),
            expired_at: eb.ref('excluded.expired_at'),
            expired_reason: eb.ref('excluded.expired_reason'),
            stale_requested_at: eb.ref('excluded.stale_requested_at'),
            stale_requested_by: eb.ref('excluded.stale_requested_by'),
            stale_note: eb.ref('excluded.stale_note'),
            parameters: eb.ref('excluded.parameters'),
            parameters_source: eb.ref('excluded.parameters_source'),
            parameters_captured_at: eb.ref('excluded.parameters_captured_at'),
            parameters_updated_at: eb.ref('excluded.parameters_updated_at'),
            last_seq: eb.ref('excluded.last_seq'),
          }))
          .where(sql<boolean>`asset_partition.last_seq < excluded.last_seq`),
      )
      .execute();
  }
  for (const chunk of chunks(deletes)) {
    const tuples = sql.join(chunk.map((id) => sql`(${id.workflowSlug}, ${id.assetId}, ${id.partitionKeyNorm})`));
    await tx
      .deleteFrom('asset_partition')
      .where(sql<boolean>`(workflow_slug, asset_id, partition_key_norm) in (${tuples})`)
      .execute();
  }
}

const NEWER = sql`excluded.latest_seq is not null and (asset_catalog.latest_seq is null
  or (excluded.latest_produced_at, excluded.latest_seq) > (asset_catalog.latest_produced_at, asset_catalog.latest_seq))`;

/** Adds a batch's per-asset changes to `asset_catalog` (the newest latest wins). */
export async function applyCatalogDeltas(tx: Transaction<Database>, deltas: readonly CatalogDelta[]): Promise<void> {
  for (const chunk of chunks(deltas)) {
    await tx
      .insertInto('asset_catalog')
      .values(
        chunk.map((delta) => ({
          asset_id: delta.assetId,
          partition_count: delta.partitionCount,
          materializations: delta.materializations,
          latest_event_id: delta.latest?.eventId ?? null,
          latest_seq: delta.latest?.seq ?? null,
          latest_produced_at: delta.latest?.producedAt ?? null,
          latest_workflow_slug: delta.latest?.workflowSlug ?? null,
          last_seq: delta.lastSeq,
        })),
      )
      .onConflict((oc) =>
        oc
          .column('asset_id')
          .doUpdateSet({
            partition_count: sql`asset_catalog.partition_count + excluded.partition_count`,
            materializations: sql`asset_catalog.materializations + excluded.materializations`,
            latest_event_id: sql`case when ${NEWER} then excluded.latest_event_id else asset_catalog.latest_event_id end`,
            latest_produced_at: sql`case when ${NEWER} then excluded.latest_produced_at else asset_catalog.latest_produced_at end`,
            latest_workflow_slug: sql`case when ${NEWER} then excluded.latest_workflow_slug else asset_catalog.latest_workflow_slug end`,
            latest_seq: sql`case when ${NEWER} then excluded.latest_seq else asset_catalog.latest_seq end`,
            last_seq: sql`excluded.last_seq`,
          })
          .where(sql<boolean>`asset_catalog.last_seq < excluded.last_seq`),
      )
      .execute();
  }
}
