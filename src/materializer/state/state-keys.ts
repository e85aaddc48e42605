import type {
  AssetExpired,
  AssetPartitionParametersDeleted,
  AssetProduced,
  AssetStaleMarked,
} from '../../assets/asset.events.js';
import type { StoredEvent } from '../../events/envelope.js';
import type { WorkflowDefinitionUpdated } from '../../workflows/workflow.events.js';
import type { BackoffElapsed, RunReconciled } from '../materializer.events.js';
import { runIdOfSubject, TERMINAL_STATUS } from '../saga-evolve.js';
import { assetPartitionKey, splitKey, targetKey, type MaterializerState } from '../saga-state.js';
import { consumedAssetIds } from '../workflow-graph.js';

/** Which rows of each state table a batch needs (parameters by workflow × partition scope). */
export interface StateKeys {
  workflows: Set<string>;
  consumers: Set<string>;
  latest: Set<string>;
  targets: Set<string>;
  runs: Set<string>;
  parameters: Set<string>;
  seen: Set<string>;
}

export type StateMapName = keyof StateKeys;
export const STATE_MAPS: readonly StateMapName[] = [
  'workflows',
  'consumers',
  'latest',
  'targets',
  'runs',
  'parameters',
  'seen',
];

export function emptyKeys(): StateKeys {
  return {
    workflows: new Set(),
    consumers: new Set(),
    latest: new Set(),
    targets: new Set(),
    runs: new Set(),
    parameters: new Set(),
    seen: new Set(),
  };
}

/** The load scope of a `parameters` key: workflow × partition. */
export function parametersScope(key: string): string {
  const [slug, , norm] = splitKey(key);
  return targetKey(slug!, norm!);
}

type Ref = { workflowSlug: string; partitionKey: string | null };

function addTarget(keys: StateKeys, ref: Ref): void {
  keys.workflows.add(ref.workflowSlug);
  keys.targets.add(targetKey(ref.workflowSlug, ref.partitionKey));
  keys.parameters.add(targetKey(ref.workflowSlug, ref.partitionKey));
}

/** A trigger event touches its seen id, its own latest row, target and parameters. */
function addTrigger(keys: StateKeys, eventId: string, data: Ref & { assetId: string }): void {
  keys.seen.add(eventId);
  keys.latest.add(assetPartitionKey(data.workflowSlug, data.assetId, data.partitionKey));
  addTarget(keys, data);
}

/** First guess of the rows a batch touches, from the events alone. */
export function keysOfEvents(events: readonly StoredEvent[]): StateKeys {
  const keys = emptyKeys();
  for (const event of events) {
    if (TERMINAL_STATUS[event.type]) {
      keys.runs.add(runIdOfSubject(event.subject));
      keys.workflows.add(event.subject.split('.').slice(-2)[0]!);
      continue;
    }
    const data = event.data as Ref & { assetId: string };
    switch (event.type) {
      case 'workflow.definition.updated': {
        const { workflow } = event.data as WorkflowDefinitionUpdated;
        keys.workflows.add(workflow.slug);
        for (const assetId of consumedAssetIds(workflow)) keys.consumers.add(assetId);
        break;
      }
      case 'asset.produced':
        keys.consumers.add(data.assetId);
        keys.runs.add((event.data as AssetProduced).workflowRunId);
        addTrigger(keys, event.id, data);
        break;
      case 'asset.expired':
      case 'asset.stale.marked':
        addTrigger(keys, event.id, data as AssetExpired | AssetStaleMarked);
        break;
      case 'asset.partition-parameters.set':
      case 'asset.partition-parameters.deleted':
        keys.parameters.add(targetKey(data.workflowSlug, (event.data as AssetPartitionParametersDeleted).partitionKey));
        break;
      case 'materializer.run.reconciled':
        keys.runs.add((event.data as RunReconciled).runId);
        addTarget(keys, event.data as RunReconciled);
        break;
      case 'materializer.backoff.elapsed':
        addTarget(keys, event.data as BackoffElapsed);
        break;
    }
  }
  return keys;
}

/** Once the graph is known: the targets (and parameters) of every consumer of a produced asset. */
export function consumerKeys(state: MaterializerState, events: readonly StoredEvent[]): StateKeys {
  const more = emptyKeys();
  for (const event of events) {
    if (event.type !== 'asset.produced') continue;
    const data = event.data as AssetProduced;
    for (const slug of state.consumers.get(data.assetId) ?? []) {
      addTarget(more, { workflowSlug: slug, partitionKey: data.partitionKey });
      addTarget(more, { workflowSlug: slug, partitionKey: null });
    }
  }
  return more;
}

/** Once runs are loaded: the targets of the runs that end in this batch (their follow-ups are decided now). */
export function runKeys(state: MaterializerState, events: readonly StoredEvent[]): StateKeys {
  const more = emptyKeys();
  for (const event of events) {
    const runId = TERMINAL_STATUS[event.type]
      ? runIdOfSubject(event.subject)
      : event.type === 'materializer.run.reconciled'
        ? (event.data as RunReconciled).runId
        : null;
    const run = runId === null ? undefined : state.runs.get(runId);
    if (run) addTarget(more, run);
  }
  return more;
}

/** Keys in `more` that are not in `base`. */
export function subtract(more: StateKeys, base: StateKeys): StateKeys {
  const result = emptyKeys();
  for (const name of STATE_MAPS) for (const key of more[name]) if (!base[name].has(key)) result[name].add(key);
  return result;
}

export function mergeKeys(into: StateKeys, from: StateKeys): StateKeys {
  for (const name of STATE_MAPS) for (const key of from[name]) into[name].add(key);
  return into;
}

export function isEmptyKeys(keys: StateKeys): boolean {
  return STATE_MAPS.every((name) => keys[name].size === 0);
}
