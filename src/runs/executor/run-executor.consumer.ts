import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../../projections/database.js';
import type { RelayRunContext } from '../../assets/asset-relay.js';
import type { AssetCheckEvaluated, AssetProduced } from '../../assets/asset.events.js';
import { AppendOnce } from '../../events/append-once.js';
import type { PoisonEvent, ProcessManager } from '../../events/consumer-runner.js';
import { toEnvelope, type EventEnvelope, type StoredEvent } from '../../events/envelope.js';
import { ConcurrencyConflictError, type EventStore } from '../../events/event-store.js';
import type { JobQueue } from '../../events/job-queue.js';
import type { RunIndex } from '../../events/run-index.js';
import type { TimerQueue } from '../../events/timer-queue.js';
import { settleAll } from '../../events/settle-all.js';
import type { Metrics } from '../../observability/metrics.js';
import { SERVICE_JOB_SLUG } from '../job-dispatch.js';
import { isTerminal, type RunState } from '../run-state.js';
import { AvailabilityCache } from './asset-availability.js';
import type { PartitionRef } from './partition-ref.js';
import { emptyExecutorState, foldRunEvent, putRun, runBefore, runIdOf, type ExecutorState } from './executor-state.js';
import { RecentIds } from '../../process-manager/recent-ids.js';
import { followUpsOf, type FollowUp } from './run-follow-ups.js';
import {
  availabilityRowsOf,
  decideRuns,
  dependencyRowsOf,
  foldBatch,
  type BatchPlan,
  type ExecutorContext,
  type RunAppend,
} from './run-executor.saga.js';
import { loadAvailability, loadExecutorSnapshot, saveExecutorChanges } from './run-executor.store.js';

/** The consumer name: checkpoint row and lease key (`consumer.run_executor`). */
export const RUN_EXECUTOR = 'run_executor';
const ACTOR = 'system';

export interface RunExecutorDeps {
  store: EventStore;
  db: Kysely<Database>;
  jobs: JobQueue;
  timers: TimerQueue;
  runIndex: RunIndex;
  context: ExecutorContext;
  metrics: Metrics;
  log: Logger;
}

/**
 * The run process manager's shell (STYLE §6): holds every active run in memory while it has the lease, folds and
 * decides each batch with the pure `foldBatch`/`decideRuns`, and carries out the batch's effects together — run
 * events appended per run subject with the run's expected last sequence (a lost race is dropped: the newer event
 * reaches the executor and is decided then), relayed `asset.produced` events appended at most once, job dispatches,
 * timers and run-key releases once their event is stored. Its own appended events are folded back at once, so the
 * next batch decides on current runs. Changed runs, its graph and asset availability are written back lazily with
 * its checkpoint.
 */
export class RunExecutor implements ProcessManager {
  readonly name = RUN_EXECUTOR;
  readonly kind = 'process-manager' as const;
  private state: ExecutorState = emptyExecutorState();
  private readonly availability = new AvailabilityCache();
  private readonly changedRuns = new Set<string>();
  private readonly endedRuns = new Set<string>();
  private readonly changedWorkflows = new Map<string, BatchPlan['graph'][number]>();
  private readonly carriedOut = new RecentIds(100_000);
  /** Runs that ended in this process: their events coming back from the stream need no loading. */
  private readonly ended = new RecentIds(100_000);
  private readonly once: AppendOnce;
  private readonly checksOnce: AppendOnce;

  constructor(private readonly deps: RunExecutorDeps) {
    this.once = new AppendOnce(deps.store, deps.store.subjects.assetFilter('produced', '>'));
    this.checksOnce = new AppendOnce(deps.store, deps.store.subjects.assetFilter('check', '>'));
  }

  get dirty(): boolean {
    return (
      this.changedRuns.size > 0 ||
      this.endedRuns.size > 0 ||
      this.changedWorkflows.size > 0 ||
      this.availability.hasChanges
    );
  }

  async hydrate(db: Kysely<Database>): Promise<void> {
    const snapshot = await loadExecutorSnapshot(db);
    this.state = emptyExecutorState();
    for (const workflow of snapshot.workflows) this.state.graph.define(workflow);
    for (const run of snapshot.runs) putRun(this.state, run);
    this.availability.reset(snapshot.availableCounts);
    this.changedRuns.clear();
    this.endedRuns.clear();
    this.changedWorkflows.clear();
    this.carriedOut.clear();
    this.ended.clear();
    this.once.reset();
    this.checksOnce.reset();
  }

  async process(events: readonly StoredEvent[]): Promise<PoisonEvent[]> {
    const contexts = await this.loadUnknownRuns(events);
    await this.prefetch(availabilityRowsOf(events));
    const plan = foldBatch(this.state, events, this.deps.context, this.availability, contexts);
    this.track(plan);
    await this.prefetch(dependencyRowsOf(this.state, plan));
    const appends = decideRuns(this.state, plan, this.deps.context, this.availability);
    await this.once.prepare(events);
    await this.checksOnce.prepare(events);
    // Check results first: a reader of an asset.produced (the materializer's gate) has seen its checks.
    await settleAll(plan.checks.map((envelope) => () => this.relayCheck(envelope)));
    await settleAll([
      ...appends.map((append) => () => this.appendRunEvents(append)),
      ...plan.produced.map((envelope) => () => this.relay(envelope)),
      ...groupByEvent(plan.followUps).map((followUps) => () => this.carryOutOnce(followUps)),
    ]);
    return [];
  }

  takeChanges(): ((tx: Transaction<Database>) => Promise<void>) | null {
    if (!this.dirty) return null;
    const runs = [...this.changedRuns].flatMap((runId) => {
      const run = this.state.runs.get(runId);
      return run ? [run] : [];
    });
    const changes = {
      runs,
      endedRunIds: [...this.endedRuns],
      workflows: [...this.changedWorkflows.values()],
      availability: this.availability.takeChanges(),
    };
    this.changedRuns.clear();
    this.endedRuns.clear();
    this.changedWorkflows.clear();
    return (tx) => saveExecutorChanges(tx, changes);
  }

  afterPersist(): void {
    this.availability.committed();
  }

  /** Active runs in memory (for tests and the operations view). */
  activeRuns(): ReadonlyMap<string, RunState> {
    return this.state.runs;
  }

  private track(plan: BatchPlan): void {
    for (const runId of plan.changed) this.changedRuns.add(runId);
    for (const runId of plan.ended.keys()) this.markEnded(runId);
    for (const workflow of plan.graph) this.changedWorkflows.set(workflow.slug, workflow);
  }

  private markEnded(runId: string): void {
    this.changedRuns.delete(runId);
    this.endedRuns.add(runId);
    this.ended.add(runId);
  }

  private async prefetch(refs: PartitionRef[]): Promise<void> {
    const missing = this.availability.missing(refs);
    if (missing.length === 0) return;
    this.availability.load(missing, await loadAvailability(this.deps.db, missing));
  }

  /**
   * Runs the batch mentions that are neither in memory nor requested in it (the executor started from an older
   * state, or after an upgrade): folded from their subject up to the batch, so the batch decides them on the whole
   * run.
   */
  private async loadUnknownRuns(events: readonly StoredEvent[]): Promise<Map<string, RelayRunContext>> {
    const contexts = new Map<string, RelayRunContext>();
    const requested = new Set<string>();
    const unknown = new Map<string, StoredEvent>();
    for (const event of events) {
      if (!event.type.startsWith('workflow.run.') && !event.type.startsWith('workflow.step.')) continue;
      const runId = runIdOf(event.subject);
      if (event.type === 'workflow.run.requested') requested.add(runId);
      else if (!requested.has(runId) && !this.state.runs.has(runId) && !this.ended.has(runId) && !unknown.has(runId))
        unknown.set(runId, event);
    }
    for (const [runId, first] of unknown) {
      const run = runBefore(await this.deps.store.readSubject(first.subject), first.seq);
      if (!run) continue;
      contexts.set(runId, run.request);
      if (!isTerminal(run)) {
        putRun(this.state, run);
        this.changedRuns.add(runId);
      }
    }
    return contexts;
  }

  /** Appends one run's decided events; on success folds them back and carries out their follow-ups. */
  private async appendRunEvents(append: RunAppend): Promise<void> {
    const metadata = { correlationId: append.runId, causationId: append.causationId, actor: ACTOR };
    const envelopes = append.events.map((event) => toEnvelope(event, metadata, append.occurredAt));
    const subject = this.deps.store.subjects.run(append.slug, append.runId);
    let seqs: number[];
    try {
      ({ seqs } = await this.deps.store.append(subject, envelopes, { expectedLastSeq: append.expectedLastSeq }));
    } catch (error) {
      if (!(error instanceof ConcurrencyConflictError)) throw error;
      // Someone else appended to the run meanwhile: that event reaches us through the stream and is decided then.
      this.deps.metrics.runConflicts.inc();
      return;
    }
    const stored = envelopes.map((envelope, index) => ({ ...envelope, seq: seqs[index]!, subject }) as StoredEvent);
    let last: RunState | null = null;
    for (const event of stored) last = foldRunEvent(this.state, event).run ?? last;
    if (last && isTerminal(last)) this.markEnded(append.runId);
    else this.changedRuns.add(append.runId);
    const current = this.state.runs.get(append.runId) ?? last;
    await settleAll(
      groupByEvent(stored.flatMap((event) => followUpsOf(event, current))).map(
        (followUps) => () => this.carryOutOnce(followUps),
      ),
    );
  }

  private async relay(envelope: EventEnvelope): Promise<void> {
    const subject = this.deps.store.subjects.asset('produced', (envelope.data as AssetProduced).assetId);
    await this.once.append(subject, envelope);
  }

  private async relayCheck(envelope: EventEnvelope): Promise<void> {
    const subject = this.deps.store.subjects.asset('check', (envelope.data as AssetCheckEvaluated).assetId);
    await this.checksOnce.append(subject, envelope);
  }

  /** The follow-ups of one stored event, once per process (a replay after a restart repeats idempotent ones). */
  private async carryOutOnce(followUps: FollowUp[]): Promise<void> {
    const eventId = followUps[0]!.eventId;
    if (this.carriedOut.has(eventId)) return;
    await settleAll(followUps.map((followUp) => () => this.carryOut(followUp)));
    this.carriedOut.add(eventId);
  }

  private async carryOut(followUp: FollowUp): Promise<void> {
    switch (followUp.type) {
      case 'DispatchJob': {
        const { job } = followUp;
        await this.deps.jobs.dispatch(
          job.jobSlug ?? SERVICE_JOB_SLUG,
          `${job.runId}:${job.stepId}:${job.attempt}`,
          job,
        );
        return;
      }
      case 'ArmTimer':
        await this.deps.timers.arm(followUp.kind, followUp.key, followUp.dueAt, followUp.payload);
        return;
      case 'ReleaseRunKey':
        await this.deps.runIndex.releaseRunKey(followUp.slug, followUp.runKey, followUp.runId);
        return;
    }
  }
}

function groupByEvent(followUps: FollowUp[]): FollowUp[][] {
  const groups = new Map<string, FollowUp[]>();
  for (const followUp of followUps) {
    const group = groups.get(followUp.eventId);
    if (group) group.push(followUp);
    else groups.set(followUp.eventId, [followUp]);
  }
  return [...groups.values()];
}
