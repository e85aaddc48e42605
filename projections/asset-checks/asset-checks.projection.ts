import { sql } from 'kysely';
import type { AssetCheckEvaluated } from '../../src/assets/asset.events.js';
import type { StoredEvent } from '../../src/events/envelope.js';
import type { Projection, ProjectionSteps } from '../projection.js';
import { runSteps } from '../projection-steps.js';
import { columnList, jsonText, unnestRows, type BatchColumn } from '../unnest-rows.js';

type Evaluated = StoredEvent<string, AssetCheckEvaluated>;

const COLUMNS: readonly BatchColumn<Evaluated>[] = [
  { name: 'event_id', type: 'text', value: (e) => e.id },
  { name: 'seq', type: 'bigint', value: (e) => e.seq },
  { name: 'workflow_slug', type: 'text', value: (e) => e.data.workflowSlug },
  { name: 'asset_id', type: 'text', value: (e) => e.data.assetId },
  { name: 'partition_key', type: 'text', value: (e) => e.data.partitionKey },
  { name: 'produced_event_id', type: 'text', value: (e) => e.data.producedEventId },
  { name: 'workflow_run_id', type: 'text', value: (e) => e.data.workflowRunId },
  { name: 'check_name', type: 'text', value: (e) => e.data.checkName },
  { name: 'severity', type: 'text', value: (e) => e.data.severity },
  { name: 'blocking', type: 'boolean', value: (e) => e.data.blocking },
  { name: 'passed', type: 'boolean', value: (e) => e.data.passed },
  { name: 'source', type: 'text', value: (e) => e.data.source },
  { name: 'metadata', type: 'jsonb', value: (e) => jsonText(e.data.metadata) },
  { name: 'violations', type: 'jsonb', value: (e) => jsonText(e.data.violations) },
  { name: 'produced_at', type: 'timestamptz', value: (e) => e.data.producedAt },
];

/**
 * Asset check results (`asset_check`, DESIGN §14): one row per `asset.check.evaluated`, keyed by event id; one
 * set-based insert per batch, a duplicate id changes nothing.
 */
const steps: ProjectionSteps = {
  write: (events) => [
    sql`insert into asset_check (${columnList(COLUMNS)}) ${unnestRows(COLUMNS, events as Evaluated[])}
      on conflict (event_id) do nothing`,
  ],
};

export const assetChecksProjection: Projection = {
  name: 'asset_checks',
  version: 1,
  oneRowPerEvent: true,
  tables: ['asset_check'],
  canHandle: ['asset.check.evaluated'],
  steps,
  project: (event, tx) => runSteps(steps, [event], tx),
  projectBatch: (events, tx) => runSteps(steps, events, tx),
};
