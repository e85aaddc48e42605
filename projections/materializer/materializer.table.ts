import type { ColumnType } from 'kysely';

/** A versioned snapshot (src/materializer/state/materializer.snapshots.ts): decode it, never read it as the in-memory type. */
type Snapshot = ColumnType<unknown, string, string>;
type OptionalSnapshot = ColumnType<unknown, string | null | undefined, string | null>;
type Seq = ColumnType<number, number, number>;

/** The materializer saga's copy of every workflow definition (its graph never waits for another read model). */
export interface MaterializerWorkflowTable {
  slug: string;
  definition: Snapshot;
}

/** Who consumes which asset: asset id → workflow slug (derived from `materializer_workflow`). */
export interface MaterializerConsumerTable {
  asset_id: string;
  workflow_slug: string;
}

/** The newest materialization per workflow × asset × partition (`partition_key_norm` '' = unpartitioned). */
export interface MaterializerLatestTable {
  workflow_slug: string;
  asset_id: string;
  partition_key_norm: string;
  event_id: string;
  seq: Seq;
  produced_at: string;
}

/** Per workflow × partition: the auto run in flight, the pending follow-up (and queued ones), the failure backoff. */
export interface MaterializerTargetTable {
  workflow_slug: string;
  partition_key_norm: string;
  partition_key: string | null;
  in_flight: OptionalSnapshot;
  pending: OptionalSnapshot;
  /** Backfill triggers with other parameters than the pending one's, each waiting for its own run. */
  queued: ColumnType<unknown, string | undefined, string>;
  failures: number;
  next_eligible_at: string | null;
  /** Inputs with a failed blocking check and the expiry held until they pass (null: not blocked). */
  check_block: OptionalSnapshot;
}

/** Auto runs the saga requested: their causation chain and whether their end was counted. */
export interface MaterializerRunTable {
  run_id: string;
  workflow_slug: string;
  partition_key: string | null;
  chain: Snapshot;
  status: string;
}

/** Stored partition parameters (captured from productions or set manually), reused by auto runs. */
export interface MaterializerParametersTable {
  workflow_slug: string;
  asset_id: string;
  partition_key_norm: string;
  parameters: ColumnType<unknown, string | null, string | null>;
  source: string;
}

/** Ids of trigger events the saga handled (a re-appended duplicate is ignored). */
export interface MaterializerSeenEventTable {
  event_id: string;
  seq: Seq;
}
