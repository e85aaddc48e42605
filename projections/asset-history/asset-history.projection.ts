import { sql, type RawBuilder } from 'kysely';
import type { AssetProduced } from '../../src/assets/asset.events.js';
import type { StoredEvent } from '../../src/events/envelope.js';
import type { Projection, ProjectionSteps } from '../projection.js';
import { runSteps } from '../projection-steps.js';
import { columnList, jsonText, unnestRows, type BatchColumn } from '../unnest-rows.js';

type Produced = StoredEvent<string, AssetProduced>;

const COLUMNS: readonly BatchColumn<Produced>[] = [
  { name: 'event_id', type: 'text', value: (e) => e.id },
  { name: 'seq', type: 'bigint', value: (e) => e.seq },
  { name: 'asset_id', type: 'text', value: (e) => e.data.assetId },
  { name: 'workflow_slug', type: 'text', value: (e) => e.data.workflowSlug },
  { name: 'workflow_definition_id', type: 'text', value: (e) => e.data.workflowDefinitionId },
  { name: 'run_id', type: 'text', value: (e) => e.data.workflowRunId },
  { name: 'step_id', type: 'text', value: (e) => e.data.stepId },
  { name: 'partition_key', type: 'text', value: (e) => e.data.partitionKey },
  { name: 'produced_at', type: 'timestamptz', value: (e) => e.data.producedAt },
  { name: 'payload', type: 'jsonb', value: (e) => jsonText(e.data.payload) },
  { name: 'asset_schema', type: 'jsonb', value: (e) => jsonText(e.data.schema) },
  { name: 'freshness', type: 'jsonb', value: (e) => jsonText(e.data.freshness) },
  { name: 'run_key', type: 'text', value: (e) => e.data.runKey },
  { name: 'parameters', type: 'jsonb', value: (e) => jsonText(e.data.parameters) },
];

/**
 * Asset history (`asset_materialization`): one row per `asset.produced`, keyed by the event id, so a redelivered
 * or re-appended duplicate changes nothing (`on conflict do nothing`). A batch is one `insert … select from
 * unnest(…)`, whatever its size.
 */
const steps: ProjectionSteps = { write: insertMaterializations };

export const assetHistoryProjection: Projection = {
  name: 'asset_history',
  version: 1,
  oneRowPerEvent: true,
  tables: ['asset_materialization'],
  canHandle: ['asset.produced'],
  steps,
  project: (event, tx) => runSteps(steps, [event], tx),
  projectBatch: (events, tx) => runSteps(steps, events, tx),
};

function insertMaterializations(events: readonly StoredEvent[]): RawBuilder<unknown>[] {
  const produced = events.filter((event): event is Produced => event.type === 'asset.produced');
  if (produced.length === 0) return [];
  return [
    sql`insert into asset_materialization (${columnList(COLUMNS)}) ${unnestRows(COLUMNS, produced)}
      on conflict (event_id) do nothing`,
  ];
}
