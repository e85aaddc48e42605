import { toEnvelope, type StoredEvent } from '../events/envelope.js';
import type { Subjects } from '../events/subjects.js';
import type { ManagerChange, ManagerDefinition, ManagerEffect } from '../process-manager/manager-definition.js';
import type { WorkflowDefinition } from '../workflows/workflow-definition.js';
import { MATERIALIZER_SUBJECT_TOKEN } from './materializer.events.js';
import { batchKeys } from './materializer.reads.js';
import { MATERIALIZER_INPUT_TYPES, step } from './materializer.saga.js';
import { MATERIALIZER_ACTOR, type MaterializerCommand } from './saga-output.js';
import type {
  AutoRunRecord,
  LatestMaterialization,
  MaterializerContext,
  MaterializerState,
  StoredParameters,
  TargetState,
} from './saga-state.js';
import { CachedMap, TrackedMap } from './state/cached-map.js';
import { consumedAssetIds } from './workflow-graph.js';

/** The consumer name: checkpoint row, lease key (`consumer.materializer`) and `waitFor` name. */
export const MATERIALIZER_CONSUMER = 'materializer';
const CACHE_CAPACITY = 50_000;

/**
 * The saga's state while the materializer holds its lease: the graph, the targets and the in-flight runs whole in
 * memory; latest materializations, stored parameters, ended runs and handled trigger ids cached per key (loaded
 * by the batches that read them). `decided` holds the outcomes of decisions not yet written (metrics count them once
 * their write committed).
 */
export interface MaterializerShellState extends MaterializerState {
  workflows: TrackedMap<WorkflowDefinition>;
  consumers: Map<string, readonly string[]>;
  targets: TrackedMap<TargetState>;
  runs: CachedMap<AutoRunRecord>;
  latest: CachedMap<LatestMaterialization>;
  parameters: CachedMap<StoredParameters>;
  seen: CachedMap<number>;
  decided: string[];
  written: string[];
}

type CachedPart = 'latest' | 'parameters' | 'runs' | 'seen';
const CACHED_PARTS: readonly CachedPart[] = ['latest', 'parameters', 'runs', 'seen'];

/** The keys a batch loads (those not in memory), by cached part. */
export type MaterializerReads = Record<CachedPart, string[]>;

/** What the load round found for them (absent keys are remembered as absent). */
export interface MaterializerLoaded {
  keys: MaterializerReads;
  found: { [P in CachedPart]: ReadonlyMap<string, MaterializerParts[P]> };
}

/** The rows the materializer writes back. */
export interface MaterializerParts {
  workflows: WorkflowDefinition;
  targets: TargetState;
  runs: AutoRunRecord;
  latest: LatestMaterialization;
  parameters: StoredParameters;
  seen: number;
}

/** A command with the event that caused it (timers and run requests take their time and causation from it). */
export interface CausedCommand {
  cause: StoredEvent;
  command: MaterializerCommand;
}

export type MaterializerDefinition = ManagerDefinition<
  MaterializerShellState,
  MaterializerReads,
  MaterializerLoaded,
  CausedCommand,
  MaterializerParts
>;

export function emptyShellState(): MaterializerShellState {
  return {
    workflows: new TrackedMap(),
    consumers: new Map(),
    targets: new TrackedMap(),
    runs: new CachedMap('runs', CACHE_CAPACITY),
    latest: new CachedMap('latest', CACHE_CAPACITY),
    parameters: new CachedMap('parameters', CACHE_CAPACITY),
    seen: new CachedMap('seen', CACHE_CAPACITY),
    decided: [],
    written: [],
  };
}

/** The state as hydrated: graph (with its consumer index), targets and in-flight runs whole. */
export function shellStateOf(stored: {
  workflows: readonly WorkflowDefinition[];
  targets: ReadonlyMap<string, TargetState>;
  runs: readonly AutoRunRecord[];
}): MaterializerShellState {
  const state = emptyShellState();
  for (const workflow of stored.workflows) {
    state.workflows.seed(workflow.slug, workflow);
    for (const assetId of consumedAssetIds(workflow))
      state.consumers.set(assetId, [...(state.consumers.get(assetId) ?? []), workflow.slug].sort());
  }
  for (const [key, target] of stored.targets) state.targets.seed(key, target);
  state.runs.load(
    stored.runs.map((run) => run.runId),
    new Map(stored.runs.map((run) => [run.runId, run])),
  );
  return state;
}

/**
 * The auto-materialization saga as a kernel definition (STYLE §6): a batch declares the per-partition keys it reads
 * (`batchKeys`), the kernel loads those not in memory in one round, then every event is decided and folded with the
 * pure `step`. Effects: decision events appended at most once, run requests and timers as calls (a refused run
 * request is recorded by `materializer.run.reconciled`, see the consumer).
 */
export function materializerDefinition(subjects: Subjects, context: MaterializerContext): MaterializerDefinition {
  return {
    name: MATERIALIZER_CONSUMER,
    inputTypes: MATERIALIZER_INPUT_TYPES,
    appendScopes: { materializer: subjects.allMaterializer },
    reads(state, events) {
      const keys = batchKeys(events, state);
      return {
        latest: state.latest.missing(keys.latest),
        parameters: state.parameters.missing(keys.parameters),
        runs: state.runs.missing(keys.runs),
        seen: state.seen.missing(keys.seen),
      };
    },
    decideBatch(state, events, loaded) {
      state.latest.load(loaded.keys.latest, loaded.found.latest);
      state.parameters.load(loaded.keys.parameters, loaded.found.parameters);
      state.runs.load(loaded.keys.runs, loaded.found.runs);
      state.seen.load(loaded.keys.seen, loaded.found.seen);
      const effects: ManagerEffect<CausedCommand>[] = [];
      for (const cause of events) {
        const output = step(cause, state, context);
        for (const command of output.commands) effects.push({ kind: 'call', command: { cause, command } });
        for (const decision of output.events) {
          const metadata = {
            correlationId: cause.metadata.correlationId,
            causationId: cause.id,
            actor: MATERIALIZER_ACTOR,
          };
          effects.push({
            kind: 'append',
            scope: 'materializer',
            subject: subjects.materializer(decision.data.workflowSlug, MATERIALIZER_SUBJECT_TOKEN[decision.type]),
            envelope: toEnvelope(decision, metadata, decision.data.at),
          });
          state.decided.push(decision.data.outcome);
        }
      }
      return { effects, changes: drainChanges(state) };
    },
    onTake(state) {
      for (const part of CACHED_PARTS) state[part].taken();
      state.written.push(...state.decided.splice(0));
    },
    afterPersist(state) {
      for (const part of CACHED_PARTS) state[part].committed();
    },
  };
}

/** What the batch changed, from the maps that tracked it, as the kernel's changes. */
function drainChanges(state: MaterializerShellState): ManagerChange<MaterializerParts>[] {
  const changes: ManagerChange<MaterializerParts>[] = [];
  const drain = <P extends keyof MaterializerParts>(
    part: P,
    taken: Array<[string, MaterializerParts[P] | undefined]>,
  ) => {
    for (const [key, value] of taken)
      changes.push({ part, key, value: value ?? null } as ManagerChange<MaterializerParts>);
  };
  drain('workflows', state.workflows.takeChanges());
  drain('targets', state.targets.takeChanges());
  for (const part of CACHED_PARTS) drain(part, state[part].takeChanges());
  return changes;
}
