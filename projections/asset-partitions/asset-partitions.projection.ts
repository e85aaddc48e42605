import type { RawBuilder } from 'kysely';
import type { StoredEvent } from '../../src/events/envelope.js';
import type { Projection, ProjectionSteps } from '../projection.js';
import { runSteps } from '../projection-steps.js';
import { catalogDeltas } from './catalog-delta.js';
import { evolvePartition, PARTITION_EVENT_TYPES, partitionOf } from './partition-fold.js';
import { partitionIdKey, type PartitionId, type PartitionState } from './partition-state.js';
import { applyCatalogDeltas, claimEventIds, loadBatch, parseBatch, writePartitions } from './partition-store.js';

const steps: ProjectionSteps = {
  load: (events) => loadBatch(events, partitionIds(events)),
  write: (events, loaded) => writeBatch(events, loaded),
};

/**
 * Per workflow × asset × partition status (`asset_partition`) and the per-asset catalog (`asset_catalog`):
 * materialization counts, the latest materialization, expiry, manual stale marks and stored parameters
 * (DESIGN §4). A batch reads the rows it touches once, folds the events in memory with the pure
 * `evolvePartition`, and writes each row once. Idempotent: an event id already applied, or an event at or below
 * a row's `last_seq`, changes nothing. Sort keys need the asset's partitioning, read from
 * `workflow_asset_declarations` (normally ahead; unknown → the row keeps or gets sort key 0, and the next
 * materialization fixes it).
 */
export const assetPartitionsProjection: Projection = {
  name: 'asset_partitions',
  version: 1,
  tables: ['asset_partition', 'asset_partition_event', 'asset_catalog'],
  canHandle: PARTITION_EVENT_TYPES,
  steps,
  project: (event, tx) => runSteps(steps, [event], tx),
  projectBatch: (events, tx) => runSteps(steps, events, tx),
};

function partitionIds(events: readonly StoredEvent[]): PartitionId[] {
  return uniqueBy(events.map(partitionOf), partitionIdKey);
}

function writeBatch(events: readonly StoredEvent[], loaded: Parameters<typeof parseBatch>[0]): RawBuilder<unknown>[] {
  const ids = partitionIds(events);
  const { seen, partitions: before, partitionings } = parseBatch(loaded, ids);
  // Each id once: a duplicate inside the batch is skipped too.
  const fresh = new Set([...new Set(events.map((event) => event.id))].filter((id) => !seen.has(id)));
  const todo = events.filter((event) => fresh.delete(event.id));
  if (todo.length === 0) return [];
  const after = new Map<string, PartitionState | null>(before);
  for (const event of todo) {
    const id = partitionOf(event);
    const key = partitionIdKey(id);
    after.set(
      key,
      evolvePartition(
        after.get(key) ?? null,
        event,
        partitionings.get(`${id.workflowSlug}\u0000${id.assetId}`) ?? null,
      ),
    );
  }
  const touched = uniqueBy(todo.map(partitionOf), partitionIdKey);
  const changes = touched.map((id) => ({
    id,
    before: before.get(partitionIdKey(id)) ?? null,
    after: after.get(partitionIdKey(id)) ?? null,
  }));
  const upserts = changes.flatMap(({ before: was, after: is }) => (is && is !== was ? [is] : []));
  const deletes: PartitionId[] = changes.flatMap(({ id, before: was, after: is }) => (was && !is ? [id] : []));
  return [claimEventIds(todo), ...writePartitions(upserts, deletes), ...applyCatalogDeltas(catalogDeltas(changes))];
}

function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  return [...new Map(items.map((item) => [key(item), item])).values()];
}
