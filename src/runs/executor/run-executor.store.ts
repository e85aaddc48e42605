import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from '../../../projections/database.js';
import type { EventLog } from '../../process-manager/event-log.js';
import type { ManagerChanges } from '../../process-manager/manager-definition.js';
import type { ManagerStore } from '../../process-manager/manager-kernel.js';
import { asOneStatement } from '../../process-manager/write-statements.js';
import type { WorkflowProduces } from '../run-graph.js';
import { isTerminal, type RunState } from '../run-state.js';
import { cacheKey, keyNorm, type AvailabilityEntry, type AvailabilityRow } from './asset-availability.js';
import { runBefore } from './executor-state.js';
import type { PartitionRef } from './partition-ref.js';
import {
  runExecutorState,
  type ExecutorLoaded,
  type RunExecutorParts,
  type RunExecutorState,
} from './run-executor.definition.js';
import type { ExecutorReads } from './run-executor.reads.js';
import { producesSnapshot, runSnapshot } from './run-executor.snapshots.js';

/** What the run executor writes back with its checkpoint. */
export interface ExecutorChanges {
  runs: RunState[];
  endedRunIds: string[];
  workflows: WorkflowProduces[];
  availability: AvailabilityRow[];
}

/** Everything the executor holds in memory, as stored. */
export interface ExecutorSnapshot {
  runs: RunState[];
  workflows: WorkflowProduces[];
  availableCounts: Map<string, number>;
}

/**
 * The run executor's store (STYLE §6): active runs, its asset graph and asset availability. Reads and writes are
 * set-based (`unnest` of arrays, lateral primary-key lookups) so their plans never depend on statistics, and a
 * write-back is one statement.
 */
export async function loadExecutorSnapshot(db: Kysely<Database>): Promise<ExecutorSnapshot> {
  const [runs, workflows, counts] = await Promise.all([
    db.selectFrom('run_executor_run').select(['state']).orderBy('last_seq').execute(),
    db.selectFrom('run_executor_workflow').select(['slug', 'produces']).execute(),
    sql<{ asset_id: string; available: number }>`
      select asset_id, count(*)::int as available from run_executor_asset where not expired group by asset_id`.execute(
      db,
    ),
  ]);
  return {
    runs: runs.map((row) => runSnapshot.decode(row.state)),
    workflows: workflows.map((row) => ({ slug: row.slug, produces: producesSnapshot.decode(row.produces) })),
    availableCounts: new Map(counts.rows.map((row) => [row.asset_id, row.available])),
  };
}

/** The stored availability of these rows, by cache key (absent = never produced). */
export async function loadAvailability(
  db: Kysely<Database>,
  refs: readonly PartitionRef[],
): Promise<Map<string, AvailabilityEntry>> {
  const found = new Map<string, AvailabilityEntry>();
  if (refs.length === 0) return found;
  const result = await sql<{ asset_id: string; partition_key_norm: string; latest_event_id: string; expired: boolean }>`
    select a.asset_id, a.partition_key_norm, a.latest_event_id, a.expired
    from unnest(${refs.map((ref) => ref.assetId)}::text[], ${refs.map((ref) => keyNorm(ref.partitionKey))}::text[])
      as k(asset_id, key)
    cross join lateral (
      select asset_id, partition_key_norm, latest_event_id, expired from run_executor_asset t
      where t.asset_id = k.asset_id and t.partition_key_norm = k.key
    ) a`.execute(db);
  for (const row of result.rows) {
    const partitionKey = row.partition_key_norm === '' ? null : row.partition_key_norm;
    found.set(cacheKey(row.asset_id, partitionKey), { eventId: row.latest_event_id, expired: row.expired });
  }
  return found;
}

/** Writes the changes in one statement (data-modifying CTEs run in the caller's transaction). */
export async function saveExecutorChanges(tx: Transaction<Database>, changes: ExecutorChanges): Promise<void> {
  const statements = executorWriteStatements(changes);
  if (statements.length > 0) await asOneStatement(statements).execute(tx);
}

/** The changes as data-modifying statements (none when nothing changed). */
export function executorWriteStatements(changes: ExecutorChanges): RawBuilder<unknown>[] {
  const { runs, endedRunIds, workflows, availability } = changes;
  if (runs.length + endedRunIds.length + workflows.length + availability.length === 0) return [];
  return [
    sql`insert into run_executor_run (run_id, workflow_slug, state, last_seq)
      select * from unnest(
        ${runs.map((run) => run.request.runId)}::text[],
        ${runs.map((run) => run.request.workflowSlug)}::text[],
        ${runs.map((run) => JSON.stringify(runSnapshot.encode(run)))}::jsonb[],
        ${runs.map((run) => run.lastSeq)}::bigint[])
      on conflict (run_id) do update set state = excluded.state, last_seq = excluded.last_seq
      returning 1`,
    sql`delete from run_executor_run where run_id = any(${endedRunIds}::text[]) returning 1`,
    sql`insert into run_executor_workflow (slug, produces)
      select * from unnest(
        ${workflows.map((workflow) => workflow.slug)}::text[],
        ${workflows.map((workflow) => JSON.stringify(producesSnapshot.encode(workflow.produces)))}::jsonb[])
      on conflict (slug) do update set produces = excluded.produces
      returning 1`,
    sql`insert into run_executor_asset (asset_id, partition_key_norm, latest_event_id, expired)
      select * from unnest(
        ${availability.map((row) => row.assetId)}::text[],
        ${availability.map((row) => row.keyNorm)}::text[],
        ${availability.map((row) => row.eventId)}::text[],
        ${availability.map((row) => row.expired)}::boolean[])
      on conflict (asset_id, partition_key_norm)
        do update set latest_event_id = excluded.latest_event_id, expired = excluded.expired
      returning 1`,
  ];
}

/**
 * The run executor's tables for the kernel: active runs, graph and availability counts hydrated whole; a batch's
 * load round reads the availability rows it declared and folds the runs it names that are not in memory from their
 * subjects (with the rows those runs may read); the changed rows go back in one statement.
 */
export class RunExecutorStore implements ManagerStore<
  RunExecutorState,
  ExecutorReads,
  ExecutorLoaded,
  RunExecutorParts
> {
  readonly parts = ['run', 'workflow', 'asset'] as const;

  constructor(private readonly log: Pick<EventLog, 'readSubject'>) {}

  async hydrate(snapshot: Kysely<Database>): Promise<RunExecutorState> {
    const { runs, workflows, availableCounts } = await loadExecutorSnapshot(snapshot);
    return runExecutorState(runs, workflows, availableCounts);
  }

  async load(db: Kysely<Database>, reads: ExecutorReads): Promise<ExecutorLoaded> {
    const { runs, rows } = await loadUnknownRuns(this.log, reads);
    return { rows, found: await loadAvailability(db, rows), runs };
  }

  async save(tx: Transaction<Database>, changes: ManagerChanges<RunExecutorParts>): Promise<void> {
    await saveExecutorChanges(tx, executorChangesOf(changes));
  }

  statements(changes: ManagerChanges<RunExecutorParts>): RawBuilder<unknown>[] {
    return executorWriteStatements(executorChangesOf(changes));
  }
}

/**
 * The runs a batch names that the executor does not hold, folded from their subjects up to the batch (rare: a run
 * the executor's state predates; one subject after another), and every row the batch reads with theirs.
 */
export async function loadUnknownRuns(
  log: Pick<EventLog, 'readSubject'>,
  reads: ExecutorReads,
): Promise<Pick<ExecutorLoaded, 'runs' | 'rows'>> {
  const runs: ExecutorLoaded['runs'] = [];
  for (const unknown of reads.unknownRuns)
    runs.push({ runId: unknown.runId, run: runBefore(await log.readSubject(unknown.subject), unknown.seq) });
  const rows = [...reads.rows];
  for (const { run } of runs) if (run && !isTerminal(run)) rows.push(...reads.rowsOf(run));
  return { runs, rows };
}

function executorChangesOf(changes: ManagerChanges<RunExecutorParts>): ExecutorChanges {
  const runs: RunState[] = [];
  const endedRunIds: string[] = [];
  for (const [runId, run] of changes.run) {
    if (run) runs.push(run);
    else endedRunIds.push(runId);
  }
  const workflows = [...changes.workflow.values()].flatMap((workflow) => (workflow ? [workflow] : []));
  const availability = [...changes.asset.values()].flatMap((row) => (row ? [row] : []));
  return { runs, endedRunIds, workflows, availability };
}
