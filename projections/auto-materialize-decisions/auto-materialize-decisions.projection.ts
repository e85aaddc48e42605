import type { StoredEvent } from '../../src/events/envelope.js';
import { TRIGGER_DECISION_TYPES, type TriggerDecision } from '../../src/materializer/materializer.events.js';
import type { Projection } from '../projection.js';

/**
 * Auto-materialize decisions (`auto_materialize_decision`): one row per `materializer.trigger.*` event, keyed by
 * event id, so "why did / didn't it run?" is a query. Inserted set-based; a duplicate id changes nothing.
 */
export const autoMaterializeDecisionsProjection: Projection = {
  name: 'auto_materialize_decisions',
  version: 1,
  tables: ['auto_materialize_decision'],
  canHandle: TRIGGER_DECISION_TYPES,
  project: (event, tx) => autoMaterializeDecisionsProjection.projectBatch!([event], tx),
  async projectBatch(events, tx) {
    const rows = events.map((event) => toRow(event as StoredEvent<string, TriggerDecision>));
    for (let start = 0; start < rows.length; start += 1000) {
      await tx
        .insertInto('auto_materialize_decision')
        .values(rows.slice(start, start + 1000))
        .onConflict((oc) => oc.column('event_id').doNothing())
        .execute();
    }
  },
};

function toRow(event: StoredEvent<string, TriggerDecision>) {
  const d = event.data;
  return {
    event_id: event.id,
    seq: event.seq,
    workflow_slug: d.workflowSlug,
    asset_id: d.assetId,
    partition_key: d.partitionKey,
    outcome: d.outcome,
    reason: d.reason,
    run_id: d.runId,
    at: d.at,
    cause_event_id: d.cause.eventId,
    cause_seq: d.cause.seq,
    detail: d.detail,
  };
}
