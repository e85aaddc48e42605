import { sql } from 'kysely';
import type { StoredEvent } from '../../src/events/envelope.js';
import { TRIGGER_DECISION_TYPES, type TriggerDecision } from '../../src/materializer/materializer.events.js';
import type { Projection, ProjectionSteps } from '../projection.js';
import { runSteps } from '../projection-steps.js';
import { columnList, unnestRows, type BatchColumn } from '../unnest-rows.js';

type Decision = StoredEvent<string, TriggerDecision>;

const COLUMNS: readonly BatchColumn<Decision>[] = [
  { name: 'event_id', type: 'text', value: (e) => e.id },
  { name: 'seq', type: 'bigint', value: (e) => e.seq },
  { name: 'workflow_slug', type: 'text', value: (e) => e.data.workflowSlug },
  { name: 'asset_id', type: 'text', value: (e) => e.data.assetId },
  { name: 'partition_key', type: 'text', value: (e) => e.data.partitionKey },
  { name: 'outcome', type: 'text', value: (e) => e.data.outcome },
  { name: 'reason', type: 'text', value: (e) => e.data.reason },
  { name: 'run_id', type: 'text', value: (e) => e.data.runId },
  { name: 'at', type: 'timestamptz', value: (e) => e.data.at },
  { name: 'cause_event_id', type: 'text', value: (e) => e.data.cause.eventId },
  { name: 'cause_seq', type: 'bigint', value: (e) => e.data.cause.seq },
  { name: 'detail', type: 'text', value: (e) => e.data.detail },
];

/**
 * Auto-materialize decisions (`auto_materialize_decision`): one row per `materializer.trigger.*` event, keyed by
 * event id, so "why did / didn't it run?" is a query. One set-based insert per batch; a duplicate id changes nothing.
 */
const steps: ProjectionSteps = {
  write: (events) => [
    sql`insert into auto_materialize_decision (${columnList(COLUMNS)}) ${unnestRows(COLUMNS, events as Decision[])}
      on conflict (event_id) do nothing`,
  ],
};

export const autoMaterializeDecisionsProjection: Projection = {
  name: 'auto_materialize_decisions',
  version: 1,
  oneRowPerEvent: true,
  tables: ['auto_materialize_decision'],
  canHandle: TRIGGER_DECISION_TYPES,
  steps,
  project: (event, tx) => runSteps(steps, [event], tx),
  projectBatch: (events, tx) => runSteps(steps, events, tx),
};
