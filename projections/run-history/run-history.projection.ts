import { sql, type RawBuilder } from 'kysely';
import type { StoredEvent } from '../../src/events/envelope.js';
import { evolveRun, type RunState } from '../../src/runs/run-state.js';
import { runSnapshot } from '../../src/runs/run-snapshot.js';
import type { RunEvent } from '../../src/runs/run.events.js';
import type { Projection, ProjectionSteps } from '../projection.js';
import { runSteps } from '../projection-steps.js';
import { columnList, unnestRows, type BatchColumn } from '../unnest-rows.js';

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
const steps: ProjectionSteps = { load: loadRuns, write: writeRuns };

export const runHistoryProjection: Projection = {
  name: 'run_history',
  version: 1,
  tables: ['workflow_run'],
  canHandle: RUN_EVENT_TYPES,
  steps,
  project: (event, tx) => runSteps(steps, [event], tx),
  projectBatch: (events, tx) => runSteps(steps, events, tx),
};

function runIdOf(event: StoredEvent): string {
  return event.subject.split('.').pop()!;
}

/** The stored state of every run the batch touches, as `[[id, state], …]`. */
function loadRuns(events: readonly StoredEvent[]): RawBuilder<unknown> {
  const ids = [...new Set(events.map(runIdOf))];
  return sql`select coalesce(json_agg(json_build_array(r.id, r.state)), '[]'::json)
    from unnest(${ids}::text[]) as k(id) join workflow_run r on r.id = k.id`;
}

function writeRuns(events: readonly StoredEvent[], loaded: Array<[string, unknown]>): RawBuilder<unknown>[] {
  const byRun = new Map<string, StoredEvent[]>();
  for (const event of events) {
    const runId = runIdOf(event);
    const list = byRun.get(runId);
    if (list) list.push(event);
    else byRun.set(runId, [event]);
  }
  const states = new Map<string, RunState>(loaded.map(([id, stored]) => [id, runSnapshot.decode(stored)]));
  const rows: Array<{ id: string; state: RunState }> = [];
  for (const [runId, runEvents] of byRun) {
    const before = states.get(runId) ?? null;
    let state = before;
    for (const event of runEvents) state = evolveRun(state, event as unknown as RunEvent & { seq: number });
    if (state && state !== before) rows.push({ id: runId, state });
  }
  if (rows.length === 0) return [];
  // A row only moves forward (redelivered events leave it as it is).
  return [
    sql`insert into workflow_run (${columnList(RUN_COLUMNS)}) ${unnestRows(RUN_COLUMNS, rows)}
      on conflict (id) do update set status = excluded.status, completed_at = excluded.completed_at,
        state = excluded.state, last_seq = excluded.last_seq
      where workflow_run.last_seq < excluded.last_seq`,
  ];
}

const RUN_COLUMNS: readonly BatchColumn<{ id: string; state: RunState }>[] = [
  { name: 'id', type: 'text', value: (r) => r.id },
  { name: 'workflow_slug', type: 'text', value: ({ state: s }) => s.request.workflowSlug },
  { name: 'workflow_definition_id', type: 'text', value: ({ state: s }) => s.request.workflowDefinitionId },
  { name: 'status', type: 'text', value: ({ state: s }) => s.status },
  { name: 'partition_key', type: 'text', value: ({ state: s }) => s.request.partitionKey },
  { name: 'run_key', type: 'text', value: ({ state: s }) => s.request.runKey },
  { name: 'triggered_by', type: 'text', value: ({ state: s }) => s.request.triggeredBy },
  { name: 'trigger_type', type: 'text', value: ({ state: s }) => s.request.trigger.type },
  { name: 'created_at', type: 'timestamptz', value: ({ state: s }) => s.createdAt },
  { name: 'completed_at', type: 'timestamptz', value: ({ state: s }) => s.completedAt },
  { name: 'state', type: 'jsonb', value: ({ state }) => JSON.stringify(runSnapshot.encode(state)) },
  { name: 'requested_seq', type: 'bigint', value: ({ state: s }) => s.requestedSeq },
  { name: 'last_seq', type: 'bigint', value: ({ state: s }) => s.lastSeq },
];
