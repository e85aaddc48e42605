import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../projections/database.js';
import type { PoisonEvent, ProcessManager } from '../events/consumer-runner.js';
import type { StoredEvent } from '../events/envelope.js';
import type { Metrics } from '../observability/metrics.js';
import type { MaterializerEffects } from './materializer-effects.js';
import { MATERIALIZER_INPUT_TYPES, step } from './materializer.saga.js';
import type { SagaOutput } from './saga-output.js';
import type { WorkflowDefinition } from '../workflows/workflow-definition.js';
import type {
  AutoRunRecord,
  LatestMaterialization,
  MaterializerContext,
  MaterializerState,
  StoredParameters,
  TargetState,
} from './saga-state.js';
import { batchKeys, type BatchKeys } from './state/batch-keys.js';
import { CachedMap, StateMissError, TrackedMap } from './state/cached-map.js';
import {
  loadLatest,
  loadMaterializerSnapshot,
  loadParameters,
  loadRuns,
  loadSeen,
  saveMaterializerChanges,
} from './state/materializer.store.js';
import { consumedAssetIds } from './workflow-graph.js';

/** The consumer name: checkpoint row, lease key (`consumer.materializer`) and `waitFor` name. */
export const MATERIALIZER_CONSUMER = 'materializer';
const CACHE_CAPACITY = 50_000;

export interface MaterializerConsumerDeps {
  effects: MaterializerEffects;
  context: MaterializerContext;
  metrics: Metrics;
  log: Logger;
}

interface ShellState extends MaterializerState {
  workflows: TrackedMap<WorkflowDefinition>;
  consumers: Map<string, readonly string[]>;
  targets: TrackedMap<TargetState>;
  runs: CachedMap<AutoRunRecord>;
  latest: CachedMap<LatestMaterialization>;
  parameters: CachedMap<StoredParameters>;
  seen: CachedMap<number>;
}

/**
 * The saga's shell (STYLE §6): while it holds the lease, the graph, the targets and the in-flight runs live in
 * memory; the per-partition parts the batch needs are loaded in one round of set-based reads before it is decided
 * (nothing when cached). Every event is decided with the pure saga, the batch's effects are carried out together
 * (decisions, run requests, timers), and the changes are written back lazily with the checkpoint.
 */
export class MaterializerConsumer implements ProcessManager {
  readonly name = MATERIALIZER_CONSUMER;
  readonly kind = 'process-manager' as const;
  private state: ShellState = emptyShellState();
  private db: Kysely<Database> | undefined;
  /** Keys a previous attempt missed (a gap in `batchKeys`): loaded too when the batch is retried. */
  private readonly hints: BatchKeys = { latest: new Set(), parameters: new Set(), runs: new Set(), seen: new Set() };
  private uncounted: string[] = [];

  constructor(private readonly deps: MaterializerConsumerDeps) {}

  get dirty(): boolean {
    const s = this.state;
    return (
      s.workflows.hasChanges ||
      s.targets.hasChanges ||
      s.runs.hasChanges ||
      s.latest.hasChanges ||
      s.parameters.hasChanges ||
      s.seen.hasChanges
    );
  }

  async hydrate(read: Kysely<Database>, db: Kysely<Database>): Promise<void> {
    this.db = db;
    const snapshot = await loadMaterializerSnapshot(read);
    const state = emptyShellState();
    for (const workflow of snapshot.workflows) {
      state.workflows.seed(workflow.slug, workflow);
      for (const assetId of consumedAssetIds(workflow))
        state.consumers.set(assetId, [...(state.consumers.get(assetId) ?? []), workflow.slug].sort());
    }
    for (const [key, target] of snapshot.targets) state.targets.seed(key, target);
    state.runs.load(
      snapshot.runs.map((run) => run.runId),
      new Map(snapshot.runs.map((run) => [run.runId, run])),
    );
    this.state = state;
    this.uncounted = [];
    this.deps.effects.reset();
  }

  async process(events: readonly StoredEvent[]): Promise<PoisonEvent[]> {
    const relevant = events.filter((event) => MATERIALIZER_INPUT_TYPES.has(event.type));
    if (relevant.length === 0) return [];
    await this.load(relevant);
    const outputs: Array<{ cause: StoredEvent; output: SagaOutput }> = [];
    try {
      for (const cause of relevant) outputs.push({ cause, output: step(cause, this.state, this.deps.context) });
    } catch (error) {
      if (error instanceof StateMissError) this.hint(error);
      throw error;
    }
    await this.deps.effects.carryOut(outputs, relevant);
    for (const { output } of outputs) for (const decision of output.events) this.uncounted.push(decision.data.outcome);
    return [];
  }

  takeChanges(): ((tx: Transaction<Database>) => Promise<void>) | null {
    if (!this.dirty) return null;
    const s = this.state;
    const changes = {
      workflows: s.workflows.takeChanges().flatMap(([, workflow]) => (workflow ? [workflow] : [])),
      latest: s.latest.takeChanges(),
      targets: s.targets.takeChanges(),
      runs: s.runs.takeChanges().flatMap(([, run]) => (run ? [run] : [])),
      parameters: s.parameters.takeChanges(),
      seen: s.seen.takeChanges().flatMap(([id, seq]) => (seq === undefined ? [] : [[id, seq] as [string, number]])),
    };
    return (tx) => saveMaterializerChanges(tx, changes);
  }

  afterPersist(): void {
    const s = this.state;
    for (const part of [s.runs, s.latest, s.parameters, s.seen]) part.committed();
    for (const outcome of this.uncounted.splice(0)) this.deps.metrics.materializerDecisions.inc({ outcome });
  }

  /** One round of reads for the keys the batch needs that are not in memory. */
  private async load(events: readonly StoredEvent[]): Promise<void> {
    const keys = batchKeys(events, this.state);
    for (const part of ['latest', 'parameters', 'runs', 'seen'] as const)
      for (const key of this.hints[part]) keys[part].add(key);
    const db = this.db!;
    const s = this.state;
    const missing = {
      latest: s.latest.missing(keys.latest),
      parameters: s.parameters.missing(keys.parameters),
      runs: s.runs.missing(keys.runs),
      seen: s.seen.missing(keys.seen),
    };
    const [latest, parameters, runs, seen] = await Promise.all([
      loadLatest(db, missing.latest),
      loadParameters(db, missing.parameters),
      loadRuns(db, missing.runs),
      loadSeen(db, missing.seen),
    ]);
    s.latest.load(missing.latest, latest);
    s.parameters.load(missing.parameters, parameters);
    s.runs.load(missing.runs, runs);
    s.seen.load(missing.seen, seen);
  }

  private hint(error: StateMissError): void {
    const part = error.part as keyof BatchKeys;
    this.hints[part]?.add(error.key);
    this.deps.log.warn({ part: error.part, key: error.key }, 'materializer batch missed a state key; retrying');
  }
}

function emptyShellState(): ShellState {
  return {
    workflows: new TrackedMap(),
    consumers: new Map(),
    targets: new TrackedMap(),
    runs: new CachedMap('runs', CACHE_CAPACITY),
    latest: new CachedMap('latest', CACHE_CAPACITY),
    parameters: new CachedMap('parameters', CACHE_CAPACITY),
    seen: new CachedMap('seen', CACHE_CAPACITY),
  };
}
