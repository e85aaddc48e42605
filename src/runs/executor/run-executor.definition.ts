import { toEnvelope } from '../../events/envelope.js';
import type { Subjects } from '../../events/subjects.js';
import type { AssetCheckEvaluated, AssetProduced } from '../../assets/asset.events.js';
import type { RelayRunContext } from '../../assets/asset-relay.js';
import type { ManagerChange, ManagerDefinition, ManagerEffect } from '../../process-manager/manager-definition.js';
import { RecentIds } from '../../process-manager/recent-ids.js';
import type { WorkflowProduces } from '../run-graph.js';
import { isTerminal, type RunState } from '../run-state.js';
import { AvailabilityCache, cacheKey, type AvailabilityEntry, type AvailabilityRow } from './asset-availability.js';
import { emptyExecutorState, foldRunEvent, putRun, runIdOf, type ExecutorState } from './executor-state.js';
import type { PartitionRef } from './partition-ref.js';
import { followUpsOf, type FollowUp } from './run-follow-ups.js';
import { batchReads, type ExecutorReads } from './run-executor.reads.js';
import { decideRuns, foldBatch, type ExecutorContext, type RunAppend } from './run-executor.saga.js';

/** The consumer name: checkpoint row and lease key (`consumer.run_executor`). */
export const RUN_EXECUTOR = 'run_executor';
const ACTOR = 'system';
const ENDED_CAPACITY = 100_000;
const RUN_EVENT = /^workflow\.(run|step)\./;

/** What the run executor holds while it has the lease. */
export interface RunExecutorState {
  executor: ExecutorState;
  availability: AvailabilityCache;
  /** Runs that ended in this process: their events coming back from the stream need no loading. */
  ended: RecentIds;
}

/** What one load round brought: availability rows, and the runs the batch names that were not in memory. */
export interface ExecutorLoaded {
  rows: PartitionRef[];
  found: ReadonlyMap<string, AvailabilityEntry>;
  /** Runs folded from their subject up to their first event in the batch (null: nothing stored before it). */
  runs: Array<{ runId: string; run: RunState | null }>;
}

/** The rows the run executor writes back. */
export interface RunExecutorParts {
  run: RunState;
  workflow: WorkflowProduces;
  asset: AvailabilityRow;
}

export type RunExecutorDefinition = ManagerDefinition<
  RunExecutorState,
  ExecutorReads,
  ExecutorLoaded,
  FollowUp,
  RunExecutorParts
>;

/** The state as hydrated from its rows. */
export function runExecutorState(
  runs: readonly RunState[],
  workflows: readonly WorkflowProduces[],
  availableCounts: Map<string, number>,
): RunExecutorState {
  const executor = emptyExecutorState();
  for (const workflow of workflows) executor.graph.define(workflow);
  for (const run of runs) putRun(executor, run);
  const availability = new AvailabilityCache();
  availability.reset(availableCounts);
  return { executor, availability, ended: new RecentIds(ENDED_CAPACITY) };
}

/**
 * The run process manager as a kernel definition (STYLE §6). A batch declares what it reads (`batchReads`: the
 * availability rows of every run it may decide, and runs it names that are not in memory), the kernel loads them
 * in one round, then the batch is folded and decided with no I/O in between (`foldBatch` → `decideRuns`). Effects:
 * check results first, then each run's events appended to its subject expecting its last sequence (a lost race is
 * dropped: the newer event is decided when it arrives), relayed `asset.produced` appended at most once, and the
 * follow-ups of the run events read (job dispatches, timers, run-key releases; once per process). Its own run
 * events fold back at once (`onAppended`), so the next batch decides on current runs.
 */
export function runExecutorDefinition(subjects: Subjects, context: ExecutorContext): RunExecutorDefinition {
  return {
    name: RUN_EXECUTOR,
    inputTypes: {
      has: (type) =>
        RUN_EVENT.test(type) ||
        type === 'asset.produced' ||
        type === 'asset.expired' ||
        type === 'workflow.definition.updated',
    },
    appendScopes: { produced: subjects.assetFilter('produced', '>'), checks: subjects.assetFilter('check', '>') },
    reads: (state, events) => batchReads(state, events, context),
    decideBatch(state, events, loaded) {
      const changes: ManagerChange<RunExecutorParts>[] = [];
      state.availability.load(loaded.rows, loaded.found);
      const contexts = new Map<string, RelayRunContext>();
      for (const { runId, run } of loaded.runs) {
        if (!run) continue;
        contexts.set(runId, run.request);
        if (isTerminal(run)) continue;
        putRun(state.executor, run);
        changes.push({ part: 'run', key: runId, value: run });
      }
      const plan = foldBatch(state.executor, events, context, state.availability, contexts);
      for (const runId of plan.changed) changes.push(runChange(state, runId));
      for (const runId of plan.ended.keys()) changes.push(endRun(state, runId));
      for (const workflow of plan.graph) changes.push({ part: 'workflow', key: workflow.slug, value: workflow });
      changes.push(...availabilityChanges(state.availability));
      const appends = decideRuns(state.executor, plan, context, state.availability);
      const effects: ManagerEffect<FollowUp>[] = [
        // Check results first: a reader of an asset.produced (the materializer's gate) has seen its checks.
        ...plan.checks.map((envelope) => ({
          kind: 'append' as const,
          scope: 'checks',
          subject: subjects.asset('check', (envelope.data as AssetCheckEvaluated).assetId),
          envelope,
        })),
        ...appends.map((append) => appendRun(subjects, append)),
        ...plan.produced.map((envelope) => ({
          kind: 'append' as const,
          scope: 'produced',
          subject: subjects.asset('produced', (envelope.data as AssetProduced).assetId),
          envelope,
          stage: 1,
        })),
        ...plan.followUps.map(call),
      ];
      return { effects, changes };
    },
    onAppended(state, stored) {
      const runId = runIdOf(stored[0]!.subject);
      let last: RunState | null = null;
      for (const event of stored) last = foldRunEvent(state.executor, event).run ?? last;
      const change = last && isTerminal(last) ? endRun(state, runId) : runChange(state, runId);
      const current = state.executor.runs.get(runId) ?? last;
      return { effects: stored.flatMap((event) => followUpsOf(event, current)).map(call), changes: [change] };
    },
    onTake: (state) => state.availability.taken(),
    afterPersist: (state) => state.availability.committed(),
  };
}

function runChange(state: RunExecutorState, runId: string): ManagerChange<RunExecutorParts> {
  return { part: 'run', key: runId, value: state.executor.runs.get(runId) ?? null };
}

function endRun(state: RunExecutorState, runId: string): ManagerChange<RunExecutorParts> {
  state.ended.add(runId);
  return { part: 'run', key: runId, value: null };
}

function availabilityChanges(availability: AvailabilityCache): ManagerChange<RunExecutorParts>[] {
  return availability.takeChanges().map((row) => ({
    part: 'asset',
    key: cacheKey(row.assetId, row.keyNorm === '' ? null : row.keyNorm),
    value: row,
  }));
}

function appendRun(subjects: Subjects, append: RunAppend): ManagerEffect<FollowUp> {
  const metadata = { correlationId: append.runId, causationId: append.causationId, actor: ACTOR };
  return {
    kind: 'append-expected',
    subject: subjects.run(append.slug, append.runId),
    envelopes: append.events.map((event) => toEnvelope(event, metadata, append.occurredAt)),
    expectedLastSeq: append.expectedLastSeq,
    stage: 1,
  };
}

/** A follow-up of a stored event, carried out once per process (a replay after a restart repeats idempotent ones). */
function call(followUp: FollowUp): ManagerEffect<FollowUp> {
  return { kind: 'call', command: followUp, onceKey: `${followUp.eventId}:${followUp.type}`, stage: 1 };
}
