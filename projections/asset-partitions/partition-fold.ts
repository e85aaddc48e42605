import type {
  AssetExpired,
  AssetPartitionParametersDeleted,
  AssetPartitionParametersSet,
  AssetProduced,
  AssetStaleCleared,
  AssetStaleMarked,
} from '../../src/assets/asset.events.js';
import { partitionSortKey } from '../../src/assets/partition-position.js';
import type { Partitioning } from '../../src/partitions/index.js';
import type { StoredEvent } from '../../src/events/envelope.js';
import { normalizeKey, type PartitionState } from './partition-state.js';

/** The asset event types that change a partition row. */
export const PARTITION_EVENT_TYPES = [
  'asset.produced',
  'asset.expired',
  'asset.stale.marked',
  'asset.stale.cleared',
  'asset.partition-parameters.set',
  'asset.partition-parameters.deleted',
] as const;

type PartitionEventData = { workflowSlug: string; assetId: string; partitionKey: string | null };

/** The row an event belongs to. */
export function partitionOf(event: StoredEvent): { workflowSlug: string; assetId: string; partitionKeyNorm: string } {
  const data = event.data as PartitionEventData;
  return { workflowSlug: data.workflowSlug, assetId: data.assetId, partitionKeyNorm: normalizeKey(data.partitionKey) };
}

/**
 * Folds one asset event into a partition row (null = no row). Pure. An event at or below the row's `last_seq`
 * changes nothing. `partitioning` is the asset's partitioning in the event's workflow (null when unknown or
 * unpartitioned) and only decides the sort key. A row left with no materialization, stale mark or parameters is
 * removed (null).
 */
export function evolvePartition(
  state: PartitionState | null,
  event: StoredEvent,
  partitioning: Partitioning | null,
): PartitionState | null {
  if (state && event.seq <= state.lastSeq) return state;
  switch (event.type) {
    case 'asset.produced':
      return produced(state ?? empty(event, partitioning), event as StoredEvent<string, AssetProduced>, partitioning);
    case 'asset.expired':
      return state && expired(state, event as StoredEvent<string, AssetExpired>);
    case 'asset.stale.marked': {
      const data = (event as StoredEvent<string, AssetStaleMarked>).data;
      const base = state ?? empty(event, partitioning);
      return {
        ...base,
        staleRequestedAt: iso(data.requestedAt),
        staleRequestedBy: data.requestedBy,
        staleNote: data.note,
        lastSeq: event.seq,
      };
    }
    case 'asset.stale.cleared':
      return (
        state && pruned({ ...state, ...NO_STALE_MARK, lastSeq: (event as StoredEvent<string, AssetStaleCleared>).seq })
      );
    case 'asset.partition-parameters.set': {
      const data = (event as StoredEvent<string, AssetPartitionParametersSet>).data;
      const base = state ?? empty(event, partitioning);
      const at = iso(data.setAt);
      return {
        ...base,
        parameters: data.parameters,
        parametersSource: 'manual',
        parametersCapturedAt: base.parametersCapturedAt ?? at,
        parametersUpdatedAt: at,
        lastSeq: event.seq,
      };
    }
    case 'asset.partition-parameters.deleted':
      return (
        state &&
        pruned({
          ...state,
          ...NO_PARAMETERS,
          lastSeq: (event as StoredEvent<string, AssetPartitionParametersDeleted>).seq,
        })
      );
    default:
      return state;
  }
}

/**
 * A new materialization: counted; it becomes the latest when newer by (producedAt, seq), which also clears an
 * expiry of the previous latest and captures the run's parameters (unless stored manually — B8: per asset ×
 * partition). Any new materialization clears the manual stale mark.
 */
function produced(
  state: PartitionState,
  event: StoredEvent<string, AssetProduced>,
  partitioning: Partitioning | null,
): PartitionState {
  const data = event.data;
  const producedAt = iso(data.producedAt);
  const next: PartitionState = {
    ...state,
    ...NO_STALE_MARK,
    partitionKey: data.partitionKey,
    materializations: state.materializations + 1,
    sortKey: partitioning ? partitionSortKey(partitioning, data.partitionKey, state.firstSeenSeq) : state.sortKey,
    lastSeq: event.seq,
  };
  if (!isNewer(producedAt, event.seq, state)) return next;
  const capture = data.parameters !== null && state.parametersSource !== 'manual';
  return {
    ...next,
    latestEventId: event.id,
    latestSeq: event.seq,
    latestProducedAt: producedAt,
    latestRunId: data.workflowRunId,
    expiredAt: null,
    expiredReason: null,
    ...(capture
      ? {
          parameters: data.parameters,
          parametersSource: 'workflow-run',
          parametersCapturedAt: state.parametersCapturedAt ?? iso(event.occurredAt),
          parametersUpdatedAt: iso(event.occurredAt),
        }
      : {}),
  };
}

/** An expiry counts only for the materialization that is still the latest. */
function expired(state: PartitionState, event: StoredEvent<string, AssetExpired>): PartitionState {
  if (event.data.producedEventId !== state.latestEventId) return { ...state, lastSeq: event.seq };
  return { ...state, expiredAt: iso(event.data.expiresAt), expiredReason: event.data.reason, lastSeq: event.seq };
}

function isNewer(producedAt: string, seq: number, state: PartitionState): boolean {
  if (state.latestProducedAt === null || state.latestSeq === null) return true;
  const difference = Date.parse(producedAt) - Date.parse(state.latestProducedAt);
  return difference > 0 || (difference === 0 && seq > state.latestSeq);
}

function empty(event: StoredEvent, partitioning: Partitioning | null): PartitionState {
  const { workflowSlug, assetId, partitionKey } = event.data as PartitionEventData;
  return {
    workflowSlug,
    assetId,
    partitionKeyNorm: normalizeKey(partitionKey),
    partitionKey,
    sortKey: partitionSortKey(partitioning, partitionKey, event.seq),
    materializations: 0,
    latestEventId: null,
    latestSeq: null,
    latestProducedAt: null,
    latestRunId: null,
    firstSeenSeq: event.seq,
    expiredAt: null,
    expiredReason: null,
    ...NO_STALE_MARK,
    ...NO_PARAMETERS,
    lastSeq: event.seq,
  };
}

function pruned(state: PartitionState): PartitionState | null {
  const empty =
    state.materializations === 0 &&
    state.staleRequestedAt === null &&
    (state.parameters === null || state.parameters === undefined);
  return empty ? null : state;
}

const NO_STALE_MARK = { staleRequestedAt: null, staleRequestedBy: null, staleNote: null } as const;
const NO_PARAMETERS = {
  parameters: null,
  parametersSource: null,
  parametersCapturedAt: null,
  parametersUpdatedAt: null,
} as const;

function iso(value: string): string {
  return new Date(value).toISOString();
}
