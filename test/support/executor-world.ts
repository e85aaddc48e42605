import type { NewEvent, StoredEvent } from '../../src/events/envelope.js';
import { toEnvelope } from '../../src/events/envelope.js';
import { subjectsFor } from '../../src/events/subjects.js';
import type { ManagerChanges } from '../../src/process-manager/manager-definition.js';
import { cacheKey, type AvailabilityEntry } from '../../src/runs/executor/asset-availability.js';
import type { ExecutorState } from '../../src/runs/executor/executor-state.js';
import type { FollowUp } from '../../src/runs/executor/run-follow-ups.js';
import {
  runExecutorDefinition,
  runExecutorState,
  type ExecutorLoaded,
  type RunExecutorParts,
  type RunExecutorState,
} from '../../src/runs/executor/run-executor.definition.js';
import type { ExecutorReads } from '../../src/runs/executor/run-executor.reads.js';
import type { ExecutorContext } from '../../src/runs/executor/run-executor.saga.js';
import { loadUnknownRuns } from '../../src/runs/executor/run-executor.store.js';
import type { WorkflowProduces } from '../../src/runs/run-graph.js';
import { evolveRun, type RunState } from '../../src/runs/run-state.js';
import { decideRun, type RunCommand } from '../../src/runs/run.decider.js';
import type { RunEvent } from '../../src/runs/run.events.js';
import { KernelWorld, type EnvelopeOn, type MemoryStore } from './manager-spec.js';
import { MemoryLog } from './memory-log.js';

export type { EnvelopeOn } from './manager-spec.js';

export const TEST_EXECUTOR_CONTEXT: ExecutorContext = { dependencyWaitMs: 600_000, maxConcurrentAutoRuns: 4 };
const SUBJECTS = subjectsFor('apphub');

/** What the executor's store holds (its rows) together with its checkpoint. */
export interface ExecutorSnapshot {
  position: number;
  runs: RunState[];
  workflows: WorkflowProduces[];
  availability: Map<string, AvailabilityEntry & { assetId: string }>;
}

/** What one batch did: events it appended to the stream (new ones, in order) and follow-ups carried out. */
export interface BatchOutcome {
  appended: StoredEvent[];
  followUps: FollowUp[];
}

type Store = MemoryStore<RunExecutorState, ExecutorReads, ExecutorLoaded, RunExecutorParts>;

/** The run executor's tables in memory (the same rows `RunExecutorStore` keeps in Postgres). */
export class MemoryExecutorStore implements Store {
  readonly parts = ['run', 'workflow', 'asset'] as const;
  private readonly runs: Map<string, RunState>;
  private readonly workflows: Map<string, WorkflowProduces>;
  private readonly availability: ExecutorSnapshot['availability'];

  constructor(
    private readonly log: MemoryLog,
    snapshot?: ExecutorSnapshot,
  ) {
    const copy = structuredClone(snapshot);
    this.runs = new Map((copy?.runs ?? []).map((run) => [run.request.runId, run]));
    this.workflows = new Map((copy?.workflows ?? []).map((workflow) => [workflow.slug, workflow]));
    this.availability = new Map(copy?.availability ?? []);
  }

  async hydrate(): Promise<RunExecutorState> {
    const counts = new Map<string, number>();
    for (const row of this.availability.values())
      if (!row.expired) counts.set(row.assetId, (counts.get(row.assetId) ?? 0) + 1);
    return runExecutorState(structuredClone([...this.runs.values()]), [...this.workflows.values()], counts);
  }

  async load(_db: unknown, reads: ExecutorReads): Promise<ExecutorLoaded> {
    const { runs, rows } = await loadUnknownRuns(this.log, reads);
    const found = new Map<string, AvailabilityEntry>();
    for (const ref of rows) {
      const row = this.availability.get(cacheKey(ref.assetId, ref.partitionKey));
      if (row) found.set(cacheKey(ref.assetId, ref.partitionKey), { eventId: row.eventId, expired: row.expired });
    }
    return { rows, found, runs };
  }

  async save(_tx: unknown, changes: ManagerChanges<RunExecutorParts>): Promise<void> {
    for (const [runId, run] of changes.run) {
      if (run) this.runs.set(runId, structuredClone(run));
      else this.runs.delete(runId);
    }
    for (const [slug, workflow] of changes.workflow) if (workflow) this.workflows.set(slug, workflow);
    for (const [key, row] of changes.asset)
      if (row) this.availability.set(key, { assetId: row.assetId, eventId: row.eventId, expired: row.expired });
  }

  snapshot(position: number): ExecutorSnapshot {
    return structuredClone({
      position,
      runs: [...this.runs.values()],
      workflows: [...this.workflows.values()],
      availability: this.availability,
    });
  }
}

/**
 * The run executor as it ships (`runExecutorDefinition` run by `ManagerKernel`) over an in-memory stream and its
 * tables in memory, for pure specs: batches as the consumer runner hands them, write-backs (`snapshot`) and
 * restarts from them (a new process hydrating from what was written).
 */
export class ExecutorWorld {
  /** Every follow-up carried out, over the world's life (restarts included). */
  readonly followUps: FollowUp[] = [];

  private constructor(
    readonly context: ExecutorContext,
    private readonly world: KernelWorld<RunExecutorState, ExecutorReads, ExecutorLoaded, FollowUp, RunExecutorParts>,
    private readonly tables: MemoryExecutorStore,
  ) {}

  /** A new executor process over `log`, hydrated from `snapshot` (nothing written: empty). */
  static async open(
    context: ExecutorContext = TEST_EXECUTOR_CONTEXT,
    log = new MemoryLog(),
    snapshot?: ExecutorSnapshot,
  ): Promise<ExecutorWorld> {
    const tables = new MemoryExecutorStore(log, snapshot);
    const world = new KernelWorld(runExecutorDefinition(SUBJECTS, context), tables, log);
    await world.start(snapshot?.position ?? 0);
    return new ExecutorWorld(context, world, tables);
  }

  get stream(): StoredEvent[] {
    return this.world.log.events;
  }

  /** The executor's state in memory. */
  get state(): ExecutorState {
    return this.world.state.executor;
  }

  get position(): number {
    return this.world.position;
  }

  set position(position: number) {
    this.world.position = position;
  }

  /** Stores events as other writers would (new sequence numbers; a known id is a duplicate and is dropped). */
  add(...events: Array<StoredEvent | EnvelopeOn>): StoredEvent[] {
    return this.world.add(...events);
  }

  /** A run command decided on the run's stored events and appended (like the HTTP command side). */
  command(slug: string, runId: string, command: RunCommand): StoredEvent[] {
    const subject = SUBJECTS.run(slug, runId);
    const decided = decideRun(command, this.readRun(subject)).events;
    return decided.flatMap((event) => this.world.log.put(subject, envelope(event, command)) ?? []);
  }

  /** Decides the next batch (everything stored after the position, or at most `max` events). */
  async step(max?: number): Promise<BatchOutcome | null> {
    const outcome = await this.world.step(max);
    if (!outcome) return null;
    this.followUps.push(...outcome.calls);
    return { appended: outcome.appended, followUps: outcome.calls };
  }

  /** Batches until the executor has read everything, also what it appended itself. */
  async runUntilIdle(max?: number): Promise<BatchOutcome[]> {
    const outcomes: BatchOutcome[] = [];
    for (let outcome = await this.step(max); outcome; outcome = await this.step(max)) outcomes.push(outcome);
    return outcomes;
  }

  /** The write-back at the current position: what the executor's tables hold then (a deep copy). */
  async snapshot(): Promise<ExecutorSnapshot> {
    await this.world.write();
    return this.tables.snapshot(this.position);
  }

  /** A new executor process that hydrates from a snapshot and reads the same stream. */
  async restart(snapshot: ExecutorSnapshot): Promise<ExecutorWorld> {
    const world = await ExecutorWorld.open(this.context, this.world.log, snapshot);
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
}

function envelope(event: NewEvent, command: RunCommand) {
  const now = 'now' in command ? command.now : new Date(0).toISOString();
  return toEnvelope(event, { correlationId: 'test', causationId: null, actor: 'test' }, now);
}

/** The types of some events, for compact assertions. */
export const typesOf = (events: ReadonlyArray<{ type: string }>) => events.map((event) => event.type);

/** The follow-ups of a kind, with the fields tests look at. */
export function dispatchesOf(followUps: readonly FollowUp[]): string[] {
  return followUps.flatMap((f) =>
    f.type === 'DispatchJob' ? [`${f.job.runId}:${f.job.stepId}:${f.job.attempt}`] : [],
  );
}
