import type { Insertable, Selectable } from 'kysely';
import type { AssetPartitionTable } from '../asset-materializations/asset-materializations.table.js';

/** One `asset_partition` row in memory (instants as ISO-8601 strings), as the fold reads and writes it. */
export interface PartitionState {
  workflowSlug: string;
  assetId: string;
  partitionKeyNorm: string;
  partitionKey: string | null;
  sortKey: number;
  materializations: number;
  latestEventId: string | null;
  latestSeq: number | null;
  latestProducedAt: string | null;
  latestRunId: string | null;
  firstSeenSeq: number;
  expiredAt: string | null;
  expiredReason: string | null;
  staleRequestedAt: string | null;
  staleRequestedBy: string | null;
  staleNote: string | null;
  parameters: unknown;
  parametersSource: string | null;
  parametersCapturedAt: string | null;
  parametersUpdatedAt: string | null;
  lastSeq: number;
}

/** The identity of a partition row. */
export interface PartitionId {
  workflowSlug: string;
  assetId: string;
  partitionKeyNorm: string;
}

/** '' for no partition key (the primary key cannot hold null). */
export function normalizeKey(key: string | null): string {
  return key ?? '';
}

/** A map key for a partition identity. */
export function partitionIdKey(id: PartitionId): string {
  return `${id.workflowSlug}\u0000${id.assetId}\u0000${id.partitionKeyNorm}`;
}

const iso = (value: Date | null): string | null => (value === null ? null : value.toISOString());

/** A stored row as fold state (instants as ISO strings). */
export function fromRow(row: Selectable<AssetPartitionTable>): PartitionState {
  return {
    workflowSlug: row.workflow_slug,
    assetId: row.asset_id,
    partitionKeyNorm: row.partition_key_norm,
    partitionKey: row.partition_key,
    sortKey: row.sort_key,
    materializations: row.materializations,
    latestEventId: row.latest_event_id,
    latestSeq: row.latest_seq,
    latestProducedAt: iso(row.latest_produced_at),
    latestRunId: row.latest_run_id,
    firstSeenSeq: row.first_seen_seq,
    expiredAt: iso(row.expired_at),
    expiredReason: row.expired_reason,
    staleRequestedAt: iso(row.stale_requested_at),
    staleRequestedBy: row.stale_requested_by,
    staleNote: row.stale_note,
    parameters: row.parameters,
    parametersSource: row.parameters_source,
    parametersCapturedAt: iso(row.parameters_captured_at),
    parametersUpdatedAt: iso(row.parameters_updated_at),
    lastSeq: row.last_seq,
  };
}

/** Fold state as a row to upsert (JSON columns serialized). */
export function toRow(state: PartitionState): Insertable<AssetPartitionTable> {
  return {
    workflow_slug: state.workflowSlug,
    asset_id: state.assetId,
    partition_key_norm: state.partitionKeyNorm,
    partition_key: state.partitionKey,
    sort_key: state.sortKey,
    materializations: state.materializations,
    latest_event_id: state.latestEventId,
    latest_seq: state.latestSeq,
    latest_produced_at: state.latestProducedAt,
    latest_run_id: state.latestRunId,
    first_seen_seq: state.firstSeenSeq,
    expired_at: state.expiredAt,
    expired_reason: state.expiredReason,
    stale_requested_at: state.staleRequestedAt,
    stale_requested_by: state.staleRequestedBy,
    stale_note: state.staleNote,
    parameters: state.parameters === null || state.parameters === undefined ? null : JSON.stringify(state.parameters),
    parameters_source: state.parametersSource,
    parameters_captured_at: state.parametersCapturedAt,
    parameters_updated_at: state.parametersUpdatedAt,
    last_seq: state.lastSeq,
  };
}
