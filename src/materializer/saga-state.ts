import type { WorkflowDefinition } from '../workflows/workflow-definition.js';
import type { TriggerReason, TriggerSpec } from './materializer.events.js';

/** The newest materialization of one workflow × asset × partition, as the saga saw it in stream order. */
export interface LatestMaterialization {
  eventId: string;
  seq: number;
  producedAt: string;
}

/** The auto run in flight for one workflow × partition. */
export interface InFlightRun {
  runId: string;
  assetId: string;
  reason: TriggerReason;
  since: string;
}

/**
 * Per workflow × partition: the auto run in flight, the follow-up trigger waiting for it (or for the backoff to
 * end), backfill triggers with other parameters queued behind that one (each gets its own run, in order), and the
 * failure backoff. An entry with none of these is removed.
 */
export interface TargetState {
  workflowSlug: string;
  partitionKey: string | null;
  inFlight: InFlightRun | null;
  pending: TriggerSpec | null;
  /** Backfill triggers whose parameters differ from the pending one's: each waits for the run before it. */
  queued: TriggerSpec[];
  failures: number;
  nextEligibleAt: string | null;
  /** Inputs whose newest materialization failed a blocking check (issue 20); absent when there are none. */
  checkBlock?: CheckBlock;
}

/** An input of a workflow × partition whose newest materialization (`eventId`) failed blocking checks. */
export interface BlockedInput {
  assetId: string;
  /** The input's own partition (before mapping onto the target's). */
  partitionKey: string | null;
  eventId: string;
  seq: number;
  checks: string[];
}

/** What stops a target's automatic runs: the blocked inputs, and an expiry trigger held until they pass. */
export interface CheckBlock {
  inputs: BlockedInput[];
  heldExpiry: TriggerSpec | null;
}

/** An auto run the saga requested: where it belongs, its causation chain, and whether its end was counted. */
export interface AutoRunRecord {
  runId: string;
  workflowSlug: string;
  partitionKey: string | null;
  chain: string[];
  status: 'requested' | 'succeeded' | 'failed' | 'canceled' | 'missing' | 'refused' | 'claim-expired';
}

/** Stored parameters of a workflow × asset × partition: captured from a production, or set manually. */
export interface StoredParameters {
  parameters: unknown;
  source: 'captured' | 'manual';
}

/** The operations the saga uses on a keyed part of its state (a `Map` in tests, a write-back cache in the shell). */
export interface KeyedState<V> {
  get(key: string): V | undefined;
  has(key: string): boolean;
  set(key: string, value: V): unknown;
  delete(key: string): boolean;
  /** The value if it is at hand; unlike `get`, never throws for a key the process did not load. */
  peek?(key: string): V | undefined;
}

/**
 * The saga's state. In the process the graph, targets and in-flight runs live in memory whole; the per-partition
 * parts (latest materializations, stored parameters, ended runs, handled trigger ids) are cached and loaded for each
 * batch before it is decided. In unit tests it is the fold of the given events. Values are immutable: `evolve`
 * replaces entries, never edits them in place.
 */
export interface MaterializerState {
  workflows: KeyedState<WorkflowDefinition>;
  /** asset id → slugs of workflows with a step that consumes it (sorted). */
  consumers: KeyedState<readonly string[]>;
  latest: KeyedState<LatestMaterialization>;
  targets: KeyedState<TargetState>;
  runs: KeyedState<AutoRunRecord>;
  parameters: KeyedState<StoredParameters>;
  /** Ids of expiry and stale-mark events already handled (productions are de-duplicated by `latest`). */
  seen: KeyedState<number>;
}

/** Tuning that comes from configuration, never from the clock. */
export interface MaterializerContext {
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** The largest event the NATS server takes (`max_payload`): a run request above it is skipped, not requested. */
  maxEventBytes: number;
}

/** The state's parts as plain maps (unit tests; the shell builds its own). */
export type PlainMaterializerState = {
  [K in keyof MaterializerState]: MaterializerState[K] extends KeyedState<infer V> ? Map<string, V> : never;
};

export function emptyMaterializerState(): PlainMaterializerState {
  return {
    workflows: new Map(),
    consumers: new Map(),
    latest: new Map(),
    targets: new Map(),
    runs: new Map(),
    parameters: new Map(),
    seen: new Map(),
  };
}

const SEPARATOR = '\u001f';

/** The stored form of a partition key: '' for unpartitioned. */
export function partitionNorm(key: string | null): string {
  return key ?? '';
}

/** Key of `targets`: workflow × partition. */
export function targetKey(slug: string, partitionKey: string | null): string {
  return [slug, partitionNorm(partitionKey)].join(SEPARATOR);
}

/** Key of `latest` and `parameters`: workflow × asset × partition. */
export function assetPartitionKey(slug: string, assetId: string, partitionKey: string | null): string {
  return [slug, assetId, partitionNorm(partitionKey)].join(SEPARATOR);
}

/** Splits a key built by `targetKey` / `assetPartitionKey`. */
export function splitKey(key: string): string[] {
  return key.split(SEPARATOR);
}
