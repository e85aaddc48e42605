import type { Insertable, Transaction } from 'kysely';
import type { WorkflowRunTable } from './run-history.table.js';
import type { StoredEvent } from '../../src/events/envelope.js';
import { evolveRun, type RunState } from '../../src/runs/run-state.js';
import type { RunEvent } from '../../src/runs/run.events.js';
import type { Database } from '../database.js';
import type { Projection } from '../projection.js';

const RUN_EVENT_TYPES = [
  'workflow.run.requested',
  'workflow.run.started',
  'workflow.run.waiting',
  'workflow.run.resumed',
  'workflow.run.cancel-requested',
  'workflow.step.dispatched',
  'workflow.step.succeeded',
  'workflow.step.failed',
  'workflow.step.retry-scheduled',
  'workflow.step.skipped',
  'workflow.run.succeeded',
  'workflow.run.failed',
  'workflow.run.canceled',
];

/**
 * Run history (`workflow_run`): each run folded with the same pure `evolveRun` the command side uses. Events at or
 * below a row's `last_seq` are ignored, so redelivery changes nothing. Batches load, fold and write each run once.
 */
export const runHistoryProjection: Projection = {
  name: 'run_history',
  version: 1,
  tables: ['workflow_run'],
  canHandle: RUN_EVENT_TYPES,
  project: (event, tx) => projectRuns([event], tx),
  projectBatch: projectRuns,
};

async function projectRuns(events: readonly StoredEvent[], tx: Transaction<Database>): Promise<void> {
  const byRun = new Map<string, StoredEvent[]>();
  for (const event of events) {
    const runId = event.subject.split('.').pop()!;
    byRun.set(runId, [...(byRun.get(runId) ?? []), event]);
  }
  const existing = await tx
    .selectFrom('workflow_run')
    .select(['id', 'state'])
    .where('id', 'in', [...byRun.keys()])
    .execute();
  const states = new Map<string, RunState>(existing.map((row) => [row.id, row.state]));
  const rows: Insertable<WorkflowRunTable>[] = [];
  for (const [runId, runEvents] of byRun) {
    const before = states.get(runId) ?? null;
    let state = before;
    for (const event of runEvents) state = evolveRun(state, event as unknown as RunEvent & { seq: number });
    if (!state || state === before) continue;
    rows.push({
      id: runId,
      workflow_slug: state.request.workflowSlug,
      workflow_definition_id: state.request.workflowDefinitionId,
      status: state.status,
      partition_key: state.request.partitionKey,
      run_key: state.request.runKey,
      triggered_by: state.request.triggeredBy,
      trigger_type: state.request.trigger.type,
      created_at: state.createdAt,
      completed_at: state.completedAt,
      state: JSON.stringify(state),
      requested_seq: state.requestedSeq,
      last_seq: state.lastSeq,
    });
  }
  // One statement per 500 runs; a row only moves forward (redelivered events leave it as it is).
  for (let start = 0; start < rows.length; start += 500) {
    await tx
      .insertInto('workflow_run')
      .values(rows.slice(start, start + 500))
      .onConflict((oc) =>
        oc
          .column('id')
          .doUpdateSet((eb) => ({
            status: eb.ref('excluded.status'),
            completed_at: eb.ref('excluded.completed_at'),
            state: eb.ref('excluded.state'),
            last_seq: eb.ref('excluded.last_seq'),
          }))
          .where('workflow_run.last_seq', '<', (eb) => eb.ref('excluded.last_seq')),
      )
      .execute();
  }
}
