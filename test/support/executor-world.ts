import { toEnvelope, type NewEvent, type StoredEvent } from '../../src/events/envelope.js';
import { AvailabilityCache, cacheKey, type AvailabilityEntry } from '../../src/runs/executor/asset-availability.js';
import {
  emptyExecutorState,
  foldRunEvent,
  putRun,
  runBefore,
  runIdOf,
  type ExecutorState,
} from '../../src/runs/executor/executor-state.js';
import { followUpsOf, type FollowUp } from '../../src/runs/executor/run-follow-ups.js';
import {
  availabilityRowsOf,
  decideRuns,
  dependencyRowsOf,
  foldBatch,
  type BatchPlan,
  type ExecutorContext,
  type RunAppend,
} from '../../src/runs/executor/run-executor.saga.js';
import { decideRun, type RunCommand } from '../../src/runs/run.decider.js';
import { evolveRun, isTerminal, type RunState } from '../../src/runs/run-state.js';
import type { RunEvent } from '../../src/runs/run.events.js';
import type { RelayRunContext } from '../../src/assets/asset-relay.js';
import type { WorkflowProduces } from '../../src/runs/run-graph.js';

export const TEST_EXECUTOR_CONTEXT: ExecutorContext = { dependencyWaitMs: 600_000, maxConcurrentAutoRuns: 4 };

/** What the executor persists (its store's rows) together with its checkpoint. */
export interface ExecutorSnapshot {
  position: number;
  runs: RunState[];
  workflows: WorkflowProduces[];
  availability: Map<string, AvailabilityEntry & { assetId: string }>;
}

/** What one batch did. */
export interface BatchOutcome {
  plan: BatchPlan;
  /** What `decideRuns` returned (before appending). */
  decided: RunAppend[];
  /** Events this batch appended to the stream (run events and relayed assets), in order. */
  appended: StoredEvent[];
  /** Follow-ups carried out in this batch. */
  followUps: FollowUp[];
}

/**
 * The run executor over an in-memory stream, for pure tests: the same steps as the shell (`RunExecutor.process`),
 * with the stream standing in for JetStream (ids de-duplicated, run events appended with an expected sequence) and a
 * map standing in for its Postgres store. Takes snapshots like the lazy write-back and restarts from them.
 */
export class ExecutorWorld {
  readonly stream: StoredEvent[];
  position: number;
  state: ExecutorState = emptyExecutorState();
  private availability = new AvailabilityCache();
  private stored: ExecutorSnapshot['availability'];
  private carried = new Set<string>();
  private ended = new Set<string>();
  /** Every follow-up carried out, over the world's life (restarts included). */
  readonly followUps: FollowUp[] = [];

  constructor(
    readonly context: ExecutorContext = TEST_EXECUTOR_CONTEXT,
    stream: StoredEvent[] = [],
    snapshot?: ExecutorSnapshot,
  ) {
    this.stream = stream;
    this.position = snapshot?.position ?? 0;
    this.stored = new Map(snapshot?.availability ?? []);
    for (const workflow of snapshot?.workflows ?? []) this.state.graph.define(workflow);
    for (const run of snapshot?.runs ?? []) putRun(this.state, structuredClone(run));
    const counts = new Map<string, number>();
    for (const row of this.stored.values())
      if (!row.expired) counts.set(row.assetId, (counts.get(row.assetId) ?? 0) + 1);
    this.availability.reset(counts);
  }

  /** Stores events as other writers would (new sequence numbers; a known id is a duplicate and is dropped). */
  add(...events: Array<StoredEvent | EnvelopeOn>): StoredEvent[] {
    return events.flatMap((event) => this.store(event.subject, event) ?? []);
  }

  /** A run command decided on the run's stored events and appended (like the HTTP command side). */
  command(slug: string, runId: string, command: RunCommand): StoredEvent[] {
    const subject = `apphub.run.${slug}.${runId}`;
    const run = this.readRun(subject);
    const decided = decideRun(command, run).events;
    return decided.map((event) => this.store(subject, envelope(event, command))!);
  }

  /** Decides the next batch (everything stored after the position, or at most `max` events). */
  step(max = Number.MAX_SAFE_INTEGER): BatchOutcome | null {
    const batch = this.stream.filter((event) => event.seq > this.position).slice(0, max);
    if (batch.length === 0) return null;
    const outcome = this.process(batch);
    this.position = batch[batch.length - 1]!.seq;
    return outcome;
  }

  /** Batches until the executor has read everything, also what it appended itself. */
  runUntilIdle(max?: number): BatchOutcome[] {
    const outcomes: BatchOutcome[] = [];
    for (let outcome = this.step(max); outcome; outcome = this.step(max)) outcomes.push(outcome);
    return outcomes;
  }

  /** The write-back: state, graph and availability rows at the current position (a deep copy). */
  snapshot(): ExecutorSnapshot {
    for (const row of this.availability.takeChanges())
      this.stored.set(cacheKey(row.assetId, row.keyNorm === '' ? null : row.keyNorm), {
        assetId: row.assetId,
        eventId: row.eventId,
        expired: row.expired,
      });
    return structuredClone({
      position: this.position,
      runs: [...this.state.runs.values()],
      workflows: [...this.state.graph.entries()],
      availability: this.stored,
    });
  }

  /** A new executor process that hydrates from a snapshot and reads the same stream. */
  restart(snapshot: ExecutorSnapshot): ExecutorWorld {
    const world = new ExecutorWorld(this.context, this.stream, snapshot);
    world.followUps.push(...this.followUps);
    return world;
  }

  /** The run folded from its stored events (what a client would see). */
  readRun(subject: string): RunState | null {
    let run: RunState | null = null;
    for (const event of this.stream)
      if (event.subject === subject) run = evolveRun(run, event as unknown as RunEvent & { seq: number });
    return run;
  }

  private process(events: readonly StoredEvent[]): BatchOutcome {
    const contexts = this.loadUnknownRuns(events);
    this.prefetch(availabilityRowsOf(events));
    const plan = foldBatch(this.state, events, this.context, this.availability, contexts);
    for (const runId of plan.ended.keys()) this.ended.add(runId);
    this.prefetch(dependencyRowsOf(this.state, plan));
    const decided = decideRuns(this.state, plan, this.context, this.availability);
    const outcome: BatchOutcome = { plan, decided, appended: [], followUps: [] };
    for (const append of decided) this.appendRun(append, outcome);
    for (const check of plan.checks) {
      const stored = this.store(`apphub.asset.check.${(check.data as { assetId: string }).assetId}`, check);
      if (stored) outcome.appended.push(stored);
    }
    for (const produced of plan.produced) {
      const stored = this.store(`apphub.asset.produced.${(produced.data as { assetId: string }).assetId}`, produced);
      if (stored) outcome.appended.push(stored);
    }
    this.carryOut(plan.followUps, outcome);
    return outcome;
  }

  private loadUnknownRuns(events: readonly StoredEvent[]): Map<string, RelayRunContext> {
    const contexts = new Map<string, RelayRunContext>();
    const requested = new Set<string>();
    for (const event of events) {
      if (!/^workflow\.(run|step)\./.test(event.type)) continue;
      const runId = runIdOf(event.subject);
      if (event.type === 'workflow.run.requested') requested.add(runId);
      else if (!requested.has(runId) && !this.state.runs.has(runId) && !this.ended.has(runId)) {
        const run = runBefore(
          this.stream.filter((stored) => stored.subject === event.subject),
          event.seq,
        );
        if (!run) continue;
        contexts.set(runId, run.request);
        if (!isTerminal(run)) putRun(this.state, run);
      }
    }
    return contexts;
  }

  private prefetch(refs: Array<{ assetId: string; partitionKey: string | null }>): void {
    const missing = this.availability.missing(refs);
    const found = new Map<string, AvailabilityEntry>();
    for (const ref of missing) {
      const row = this.stored.get(cacheKey(ref.assetId, ref.partitionKey));
      if (row) found.set(cacheKey(ref.assetId, ref.partitionKey), { eventId: row.eventId, expired: row.expired });
    }
    this.availability.load(missing, found);
  }

  private appendRun(append: RunAppend, outcome: BatchOutcome): void {
    const subject = `apphub.run.${append.slug}.${append.runId}`;
    const last = this.lastOn(subject);
    const metadata = { correlationId: append.runId, causationId: append.causationId, actor: 'system' };
    const envelopes = append.events.map((event) => toEnvelope(event, metadata, append.occurredAt));
    const known = envelopes.every((e) => this.stream.some((s) => s.id === e.id));
    // JetStream checks the message id before the expected sequence: a duplicate is acknowledged, a race is lost.
    if (!known && last !== append.expectedLastSeq) return;
    const stored = envelopes.map((e) => this.store(subject, e) ?? this.stream.find((s) => s.id === e.id)!);
    outcome.appended.push(...stored.filter((event) => envelopes.some((e) => e.id === event.id)));
    let run: RunState | null = null;
    for (const event of stored) run = foldRunEvent(this.state, event).run ?? run;
    if (run && isTerminal(run)) this.ended.add(append.runId);
    const current = this.state.runs.get(append.runId) ?? run;
    this.carryOut(
      stored.flatMap((event) => followUpsOf(event, current)),
      outcome,
    );
  }

  private carryOut(followUps: FollowUp[], outcome: BatchOutcome): void {
    for (const followUp of followUps) {
      const key = `${followUp.eventId}:${followUp.type}`;
      if (this.carried.has(key)) continue;
      this.carried.add(key);
      this.followUps.push(followUp);
      outcome.followUps.push(followUp);
    }
  }

  private lastOn(subject: string): number {
    for (let i = this.stream.length - 1; i >= 0; i--)
      if (this.stream[i]!.subject === subject) return this.stream[i]!.seq;
    return 0;
  }

  private store(subject: string, event: EnvelopeOn | Omit<StoredEvent, 'seq' | 'subject'>): StoredEvent | null {
    if (this.stream.some((stored) => stored.id === event.id)) return null;
    const { seq: _seq, subject: _subject, storedAt: _at, ...envelope } = event as StoredEvent;
    const stored = { ...structuredClone(envelope), seq: this.stream.length + 1, subject } as StoredEvent;
    this.stream.push(stored);
    return stored;
  }
}

/** An envelope with the subject it is stored on. */
export type EnvelopeOn = Omit<StoredEvent, 'seq'> & { seq?: number };

function envelope(event: NewEvent, command: RunCommand): StoredEvent {
  const now = 'now' in command ? command.now : new Date(0).toISOString();
  return { ...toEnvelope(event, { correlationId: 'test', causationId: null, actor: 'test' }, now) } as StoredEvent;
}

/** The types of some events, for compact assertions. */
export const typesOf = (events: ReadonlyArray<{ type: string }>) => events.map((event) => event.type);

/** The follow-ups of a kind, with the fields tests look at. */
export function dispatchesOf(followUps: readonly FollowUp[]): string[] {
  return followUps.flatMap((f) =>
    f.type === 'DispatchJob' ? [`${f.job.runId}:${f.job.stepId}:${f.job.attempt}`] : [],
  );
}
