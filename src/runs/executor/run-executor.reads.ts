import type { AssetProduced } from '../../assets/asset.events.js';
import type { StoredEvent } from '../../events/envelope.js';
import type { WorkflowDefinitionUpdated } from '../../workflows/workflow.events.js';
import { dependencyQueries } from '../dependency-check.js';
import { producesOf, RunGraph } from '../run-graph.js';
import { evolveRun, type RunState } from '../run-state.js';
import { TERMINAL_RUN_EVENTS, type RunEvent, type RunEventType, type RunWaiting } from '../run.events.js';
import type { ExecutorState } from './executor-state.js';
import { runIdOf, runSlugOf } from './executor-state.js';
import type { PartitionRef } from './partition-ref.js';
import { bestPending } from './run-admission.js';
import type { ExecutorContext } from './run-executor.saga.js';
import type { AvailabilityCache } from './asset-availability.js';
import type { RecentIds } from '../../process-manager/recent-ids.js';

/** What a batch of the run executor reads before it is folded and decided (one round). */
export interface ExecutorReads {
  /** Availability rows not in memory. */
  rows: PartitionRef[];
  /** Runs the batch names that are neither in memory nor requested in it: folded from their subject up to `seq`. */
  unknownRuns: Array<{ runId: string; subject: string; seq: number }>;
  /** The rows a run loaded that way may read when decided (those not in memory). */
  rowsOf(run: RunState): PartitionRef[];
}

const RUN_EVENT = /^workflow\.(run|step)\./;

/**
 * The reads of a batch, declared before anything is folded: the rows folding reads (`availabilityRowsOf`), and the
 * dependency rows of every run the batch may decide — a superset of what `decideRuns` asks, so deciding never
 * misses a row. A batch decides runs it names (requested in it, in memory, or loaded), runs waiting for an asset
 * produced in it, and gated runs it admits. A workflow admits at most `free` runs after the batch, and `free` is at
 * most its free places now plus the runs of it the batch ends (nothing else frees a place): none when that is not
 * positive. A queued run is admitted only if fewer than `free` runs ahead of it stay queued, and only an event of the
 * batch on a queued run can take it out of the queue, so the best `free + events on queued runs` queued runs cover
 * every admission. Dependency queries are asked of the graph as the batch's definitions leave it (deciding comes
 * after folding them all).
 */
export function batchReads(
  state: { executor: ExecutorState; availability: AvailabilityCache; ended: RecentIds },
  events: readonly StoredEvent[],
  context: ExecutorContext,
): ExecutorReads {
  const { executor } = state;
  const graph = graphAfter(executor.graph, events);
  const candidates = new Map<string, RunState>();
  const gates = new Map<string, { ended: number; onQueued: number }>();
  const requested = new Set<string>();
  const unknown = new Map<string, { runId: string; subject: string; seq: number }>();
  for (const event of events) {
    if (event.type === 'asset.produced') {
      for (const runId of executor.waitingFor.get((event.data as AssetProduced).assetId) ?? []) {
        const run = executor.runs.get(runId);
        if (run) candidates.set(runId, run);
      }
      continue;
    }
    if (!RUN_EVENT.test(event.type)) continue;
    const runId = runIdOf(event.subject);
    const slug = runSlugOf(event.subject);
    const known = executor.runs.get(runId);
    const gate = gates.get(slug) ?? { ended: 0, onQueued: 0 };
    gates.set(slug, gate);
    if (TERMINAL_RUN_EVENTS.includes(event.type as RunEventType)) gate.ended += 1;
    if (known?.status === 'pending') gate.onQueued += 1;
    if (event.type === 'workflow.run.requested') {
      requested.add(runId);
      const run = evolveRun(null, event as unknown as RunEvent & { seq: number });
      if (run && !candidates.has(runId)) candidates.set(runId, run);
    } else if (known) candidates.set(runId, known);
    else if (!requested.has(runId) && !state.ended.has(runId) && !unknown.has(runId))
      unknown.set(runId, { runId, subject: event.subject, seq: event.seq });
  }
  for (const [slug, gate] of gates) {
    const free = context.maxConcurrentAutoRuns - (executor.gatedActive.get(slug) ?? 0) + gate.ended;
    if (free <= 0) continue;
    for (const run of bestPending(executor, slug, free + gate.onQueued)) candidates.set(run.request.runId, run);
  }
  const rowsOf = (run: RunState) =>
    dependencyQueries(run, graph).filter((query) => query.partitionKey !== null) as PartitionRef[];
  const rows = [...availabilityRowsOf(events), ...[...candidates.values()].flatMap(rowsOf)];
  return {
    rows: state.availability.missing(rows),
    unknownRuns: [...unknown.values()],
    rowsOf: (run) => state.availability.missing(rowsOf(run)),
  };
}

/** The graph as the batch's definitions leave it (the graph itself when it has none). */
function graphAfter(graph: RunGraph, events: readonly StoredEvent[]): RunGraph {
  const definitions = events.filter((event) => event.type === 'workflow.definition.updated');
  if (definitions.length === 0) return graph;
  const after = new RunGraph();
  for (const entry of graph.entries()) after.define(entry);
  for (const event of definitions) after.define(producesOf((event.data as WorkflowDefinitionUpdated).workflow));
  return after;
}

/** The asset × partition rows folding the batch reads or changes: loaded before folding. */
export function availabilityRowsOf(events: readonly StoredEvent[]): PartitionRef[] {
  const rows: PartitionRef[] = [];
  for (const event of events) {
    if (event.type === 'asset.produced' || event.type === 'asset.expired') {
      const data = event.data as AssetProduced;
      rows.push({ assetId: data.assetId, partitionKey: data.partitionKey });
    } else if (event.type === 'workflow.run.waiting') {
      // A wait without a key asks about any partition (answered by counts, nothing to load).
      const data = event.data as RunWaiting;
      if (data.partitionKey !== null) rows.push({ assetId: data.assetId, partitionKey: data.partitionKey });
    }
  }
  return rows;
}
