import type { AssetProduced } from '../assets/asset.events.js';
import type { StoredEvent } from '../events/envelope.js';
import { mapPartitionKey } from '../partitions/index.js';
import type { RunWaiting } from '../runs/run.events.js';
import { consumerTargets } from './check-blocks.js';
import type { BackoffElapsed, RunReconciled } from './materializer.events.js';
import { runIdOfSubject, TERMINAL_STATUS } from './saga-evolve.js';
import { assetPartitionKey, targetKey, type MaterializerState } from './saga-state.js';
import type { WorkflowDefinition } from '../workflows/workflow-definition.js';
import type { WorkflowDefinitionUpdated } from '../workflows/workflow.events.js';
import {
  consumedAssetIds,
  producedDeclaration,
  runPartitioning,
  upstreamInterest,
  upstreamPartitioning,
} from './workflow-graph.js';

/** The per-partition keys a batch reads, by state part (what the kernel's load round brings in). */
export interface BatchKeys {
  latest: Set<string>;
  parameters: Set<string>;
  runs: Set<string>;
  seen: Set<string>;
}

type Located = { workflowSlug: string; assetId: string; partitionKey: string | null };

/**
 * The materializer's declared reads (STYLE §6): every per-partition key deciding the batch can read, by input type
 * and the rule that reads it, computed from the events and the whole-in-memory parts of the state (graph, targets,
 * in-flight runs) before anything is decided, so the batch is decided in one pass after one load round. A superset
 * is fine. A key it misses is a bug: the lookup throws `StateMissError`, the batch fails and the runner isolates
 * the event (dead letter) — there is no second guess.
 */
export function batchKeys(events: readonly StoredEvent[], memory: MaterializerState): BatchKeys {
  const keys: BatchKeys = { latest: new Set(), parameters: new Set(), runs: new Set(), seen: new Set() };
  const own = (data: Located) => assetPartitionKey(data.workflowSlug, data.assetId, data.partitionKey);
  // Definitions in the batch change the graph for the events after them: look through an overlay.
  const state = withGraphOverlay(memory);
  for (const event of events) {
    if (event.type === 'workflow.definition.updated') {
      state.define((event.data as WorkflowDefinitionUpdated).workflow);
      continue;
    }
    const status = TERMINAL_STATUS[event.type];
    if (status) {
      runEndKeys(state, runIdOfSubject(event.subject), keys);
      continue;
    }
    switch (event.type) {
      case 'asset.produced': {
        const data = event.data as AssetProduced;
        keys.latest.add(own(data));
        keys.parameters.add(own(data));
        keys.runs.add(data.workflowRunId);
        upstreamKeys(state, data, keys);
        heldExpiryKeys(state, data, keys);
        break;
      }
      case 'asset.expired':
      case 'asset.stale.marked':
        keys.seen.add(event.id);
        keys.latest.add(own(event.data as Located));
        keys.parameters.add(own(event.data as Located));
        pendingKeys(state, (event.data as Located).workflowSlug, (event.data as Located).partitionKey, keys);
        break;
      case 'asset.partition-parameters.set':
      case 'asset.partition-parameters.deleted':
        keys.parameters.add(own(event.data as Located));
        break;
      case 'materializer.run.reconciled':
        runEndKeys(state, (event.data as RunReconciled).runId, keys);
        break;
      case 'materializer.backoff.elapsed': {
        const data = event.data as BackoffElapsed;
        pendingKeys(state, data.workflowSlug, data.partitionKey, keys);
        break;
      }
      case 'workflow.run.waiting':
        dependencyKeys(state, event.data as RunWaiting, keys);
        break;
      case 'backfill.partition-requested': {
        const data = event.data as Located;
        keys.seen.add(event.id);
        keys.parameters.add(own(data));
        pendingKeys(state, data.workflowSlug, data.partitionKey, keys);
        break;
      }
    }
  }
  return keys;
}

/** Parameters of every opted-in consumer's target partition (what its run request merges). */
function upstreamKeys(state: MaterializerState, data: AssetProduced, keys: BatchKeys): void {
  for (const slug of state.consumers.get(data.assetId) ?? []) {
    const workflow = state.workflows.get(slug);
    if (!workflow || slug === data.workflowSlug) continue;
    const interest = upstreamInterest(workflow, data.assetId);
    if (interest.kind !== 'opted-in') continue;
    const from = upstreamPartitioning(state.workflows.get(data.workflowSlug), interest.step, data.assetId);
    const mapped = mapPartitionKey(from, runPartitioning(workflow, interest.source), data.partitionKey);
    if (!mapped.ok) continue;
    keys.parameters.add(assetPartitionKey(slug, interest.source.assetId, mapped.key));
    // A backfill trigger waiting there is kept over this one: its parameters are read when the run is built.
    pendingKeys(state, slug, mapped.key, keys);
  }
}

/** Parameters of an expiry a consumer target holds: a passing production of its blocked input releases it. */
function heldExpiryKeys(state: MaterializerState, data: AssetProduced, keys: BatchKeys): void {
  for (const { workflow, partitionKey } of consumerTargets(state, data)) {
    const held = state.targets.get(targetKey(workflow.slug, partitionKey))?.checkBlock?.heldExpiry;
    if (held) keys.parameters.add(assetPartitionKey(workflow.slug, held.sourceAssetId, held.partitionKey));
  }
}

function runEndKeys(state: MaterializerState, runId: string, keys: BatchKeys): void {
  keys.runs.add(runId);
  // Most ended runs are not auto runs (never loaded): a look that cannot throw, as this runs for every run end.
  const run = state.runs.peek ? state.runs.peek(runId) : state.runs.get(runId);
  if (run) pendingKeys(state, run.workflowSlug, run.partitionKey, keys);
}

/** The parameters a target's pending trigger needs when it is released. */
function pendingKeys(state: MaterializerState, slug: string, partitionKey: string | null, keys: BatchKeys): void {
  const target = state.targets.get(targetKey(slug, partitionKey));
  for (const waiting of target?.pending ? [target.pending, ...target.queued] : [])
    keys.parameters.add(assetPartitionKey(slug, waiting.sourceAssetId, waiting.partitionKey));
}

function dependencyKeys(state: MaterializerState, data: RunWaiting, keys: BatchKeys): void {
  if (!data.producerWorkflowSlug) return;
  const workflow = state.workflows.get(data.producerWorkflowSlug);
  const declaration = producedDeclaration(workflow, data.assetId);
  if (!workflow || !declaration) return;
  const key = runPartitioning(workflow, declaration) === null ? null : data.partitionKey;
  keys.parameters.add(assetPartitionKey(workflow.slug, data.assetId, key));
  pendingKeys(state, workflow.slug, key, keys);
}

/** The state with a graph overlay that definitions of the batch are folded into (memory stays untouched). */
function withGraphOverlay(memory: MaterializerState): MaterializerState & { define(w: WorkflowDefinition): void } {
  const workflows = new Map<string, WorkflowDefinition>();
  const consumers = new Map<string, readonly string[]>();
  const view = {
    ...memory,
    workflows: {
      get: (slug: string) => workflows.get(slug) ?? memory.workflows.get(slug),
      has: (slug: string) => workflows.has(slug) || memory.workflows.has(slug),
      set: (slug: string, workflow: WorkflowDefinition) => workflows.set(slug, workflow),
      delete: () => false,
    },
    consumers: {
      get: (assetId: string) => consumers.get(assetId) ?? memory.consumers.get(assetId),
      has: (assetId: string) => consumers.has(assetId) || memory.consumers.has(assetId),
      set: (assetId: string, slugs: readonly string[]) => consumers.set(assetId, slugs),
      delete: () => false,
    },
    define(workflow: WorkflowDefinition) {
      const before = view.workflows.get(workflow.slug);
      for (const assetId of before ? consumedAssetIds(before) : [])
        consumers.set(
          assetId,
          (view.consumers.get(assetId) ?? []).filter((slug) => slug !== workflow.slug),
        );
      workflows.set(workflow.slug, workflow);
      for (const assetId of consumedAssetIds(workflow))
        consumers.set(assetId, [...new Set([...(view.consumers.get(assetId) ?? []), workflow.slug])].sort());
    },
  };
  return view;
}
