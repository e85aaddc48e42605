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
 * Per workflow × partition: the auto run in flight, the one follow-up trigger waiting for it (or for the backoff to
 * end), and the failure backoff. An entry with none of these is removed.
 */
export interface TargetState {
  workflowSlug: string;
  partitionKey: string | null;
  inFlight: InFlightRun | null;
  pending: TriggerSpec | null;
  failures: number;
  nextEligibleAt: string | null;
}

/** An auto run the saga requested: where it belongs, its causation chain, and whether its end was counted. */
export interface AutoRunRecord {
  runId: string;
  workflowSlug: string;
  partitionKey: string | null;
  chain: string[];
  status: 'requested' | 'succeeded' | 'failed' | 'canceled' | 'missing' | 'refused';
}

/** Stored parameters of a workflow × asset × partition: captured from a production, or set manually. */
export interface StoredParameters {
  parameters: unknown;
  source: 'captured' | 'manual';
}

/**
 * The saga's state. In the process it is the slice of the Postgres tables that one batch touches; in unit tests it
 * is the fold of the given events. Values are immutable: `evolve` replaces entries, never edits them in place.
 */
export interface MaterializerState {
  workflows: Map<string, WorkflowDefinition>;
  /** asset id → slugs of workflows with a step that consumes it (sorted). */
  consumers: Map<string, readonly string[]>;
  latest: Map<string, LatestMaterialization>;
  targets: Map<string, TargetState>;
  runs: Map<string, AutoRunRecord>;
  parameters: Map<string, StoredParameters>;
  /** Ids of trigger events already handled (a trigger re-appended after the dedupe window is ignored). */
  seen: Map<string, number>;
}

/** Tuning that comes from configuration, never from the clock. */
export interface MaterializerContext {
  baseBackoffMs: number;
  maxBackoffMs: number;
}

export function emptyMaterializerState(): MaterializerState {
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
