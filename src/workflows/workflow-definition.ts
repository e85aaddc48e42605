import type { Partitioning } from '../partitions/index.js';

/**
 * Freshness hints of an asset declaration (DESIGN §5, §7). Each value is a positive integer of milliseconds up
 * to one year; at least one is present. `ttlMs` and `cadenceMs` schedule an `asset.expired` event after a
 * production; `maxAgeMs` marks a materialization stale (`isStale`) once it is older.
 */
export interface Freshness {
  /** Time to live: the materialization expires this long after its `producedAt`. */
  ttlMs?: number;
  /** Refresh cadence: like `ttlMs`, but the expiry is labelled `cadence`. */
  cadenceMs?: number;
  /** A materialization older than this is reported as stale. */
  maxAgeMs?: number;
}

/**
 * Auto-materialize policy of a produced asset: tells the materializer to re-run the producing step's workflow
 * when an asset the step consumes is produced again (`onUpstreamUpdate`) or when this asset expires. A policy is
 * active when present and `enabled !== false`. Declared on `produces` entries only.
 */
export interface AutoMaterializePolicy {
  /** Re-run when an upstream (consumed) asset publishes a newer `asset.produced`. */
  onUpstreamUpdate?: boolean;
  /** `false` switches the policy off without removing it. */
  enabled?: boolean;
  /** Start order among pending auto runs: lower first (0..1,000,000). */
  priority?: number;
  /** Parameters merged over the workflow's `defaultParameters` for auto runs (any JSON). */
  parameterDefaults?: unknown;
}

/** How serious a failed check is. */
export type CheckSeverity = 'warn' | 'error';

/**
 * A check declared on a produced asset (DESIGN §14). The job reports its result with the asset
 * (`result.assets[].checks`); a check with `payloadSchema` is evaluated by the service on every materialization.
 */
export interface CheckDeclaration {
  /** Unique per asset; letters, digits, `_` and `-`, ≤ 100 characters. */
  name: string;
  description?: string;
  severity: CheckSeverity;
  /** A failure stops auto-materialization downstream of that materialization until a passing one arrives. */
  blocking?: boolean;
  /** JSON Schema (draft-07) applied to the produced payload; compiled at registration. */
  payloadSchema?: Record<string, unknown>;
  /**
   * A freshness rule evaluated by the service: a materialization fails it when it arrives later than the limit
   * after its `producedAt`, and again when the asset expires. The limit is `maxAgeMs`, else the asset's freshness.
   */
  freshness?: { maxAgeMs?: number };
}

/**
 * One asset a step produces or consumes. `assetId` is the dotted, case-sensitive name users write
 * (`retail.sales.parquet`); it never contains empty tokens, wildcards or spaces, so it can be a subject suffix.
 */
export interface AssetDeclaration {
  /** Dotted asset id, ≤ 200 characters. */
  assetId: string;
  /** JSON Schema (draft-07) that produced payloads must satisfy; compiled at registration. */
  schema?: Record<string, unknown>;
  /** Freshness hints. */
  freshness?: Freshness;
  /** Auto-materialize policy (produced assets only). */
  autoMaterialize?: AutoMaterializePolicy;
  /** How the asset is partitioned; absent = unpartitioned. */
  partitioning?: Partitioning;
  /** Checks of the asset (produced assets only). */
  checks?: CheckDeclaration[];
}

/** How a step runs: a `job` is dispatched to a worker by `jobSlug`; a `service` step POSTs to `serviceUrl`. */
export type StepType = 'job' | 'service';

/** One step of a workflow, as normalized by the validator (defaults filled in). */
export interface WorkflowStep {
  /** Unique within the workflow. */
  id: string;
  /** Display name. */
  name?: string;
  /** Defaulted from `jobSlug` (`job`) or `serviceUrl` (`service`). */
  type: StepType;
  /** The job to dispatch; required for (and only allowed on) job steps. */
  jobSlug?: string;
  /** Absolute http(s) URL; required for (and only allowed on) service steps. */
  serviceUrl?: string;
  /** Ids of the steps that must succeed first; the steps form a DAG. Default `[]`. */
  dependsOn: string[];
  /** Step parameters, merged over the run's parameters. */
  parameters?: Record<string, unknown>;
  /** Assets the step produces. Default `[]`. */
  produces: AssetDeclaration[];
  /** Assets the step consumes. Default `[]`. */
  consumes: AssetDeclaration[];
  /** Per-attempt timeout; absent = no timeout. */
  timeoutMs?: number;
  /** Extra attempts after a failure (0..10). Default 0. */
  retries: number;
  /** Delay before a retry. */
  retryBackoffMs?: number;
}

/** A workflow definition as a client writes it (`POST /workflows`, `PUT /workflows/:slug`), normalized. */
export interface WorkflowDefinitionInput {
  /** Unique, lower-case, URL- and subject-safe name. */
  slug: string;
  /** Display name. */
  name: string;
  /** Free text. */
  description?: string;
  /** 1..100 steps forming a DAG. */
  steps: WorkflowStep[];
  /** Parameters every run starts from. */
  defaultParameters?: Record<string, unknown>;
  /** JSON Schema (draft-07) that a run's parameters must satisfy. */
  parametersSchema?: Record<string, unknown>;
}

/** The stored definition: the server adds these. */
export interface WorkflowDefinition extends WorkflowDefinitionInput {
  /** Stable id of the workflow (survives updates). */
  id: string;
  /** 1 on create, +1 per update; the HTTP entity tag. */
  version: number;
  /** ISO-8601 UTC instant of the first version. */
  createdAt: string;
  /** ISO-8601 UTC instant of this version. */
  updatedAt: string;
}
