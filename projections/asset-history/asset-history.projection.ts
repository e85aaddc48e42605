import type { Insertable, Transaction } from 'kysely';
import type { AssetProduced } from '../../src/assets/asset.events.js';
import type { StoredEvent } from '../../src/events/envelope.js';
import type { AssetMaterializationTable } from '../asset-materializations/asset-materializations.table.js';
import type { Database } from '../database.js';
import type { Projection } from '../projection.js';

const CHUNK = 500;

/**
 * Asset history (`asset_materialization`): one row per `asset.produced`, keyed by the event id, so a redelivered
 * or re-appended duplicate changes nothing (`on conflict do nothing`). A batch is written with one insert per
 * 500 events.
 */
export const assetHistoryProjection: Projection = {
  name: 'asset_history',
  version: 1,
  tables: ['asset_materialization'],
  canHandle: ['asset.produced'],
  project: (event, tx) => insertMaterializations([event], tx),
  projectBatch: insertMaterializations,
};

async function insertMaterializations(events: readonly StoredEvent[], tx: Transaction<Database>): Promise<void> {
  const rows = events
    .filter((event) => event.type === 'asset.produced')
    .map((event) => toRow(event as StoredEvent<string, AssetProduced>));
  for (let start = 0; start < rows.length; start += CHUNK) {
    await tx
      .insertInto('asset_materialization')
      .values(rows.slice(start, start + CHUNK))
      .onConflict((oc) => oc.column('event_id').doNothing())
      .execute();
  }
}

function toRow(event: StoredEvent<string, AssetProduced>): Insertable<AssetMaterializationTable> {
  const data = event.data;
  return {
    event_id: event.id,
    seq: event.seq,
    asset_id: data.assetId,
    workflow_slug: data.workflowSlug,
    workflow_definition_id: data.workflowDefinitionId,
    run_id: data.workflowRunId,
    step_id: data.stepId,
    partition_key: data.partitionKey,
    produced_at: data.producedAt,
    payload: json(data.payload),
    asset_schema: json(data.schema),
    freshness: json(data.freshness),
    run_key: data.runKey,
    parameters: json(data.parameters),
  };
}

function json(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}
