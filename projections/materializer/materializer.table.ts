import type { ColumnType, JSONColumnType } from 'kysely';
import type { CheckBlock, InFlightRun } from '../../src/materializer/saga-state.js';
import type { TriggerSpec } from '../../src/materializer/materializer.events.js';
import type { WorkflowDefinition } from '../../src/workflows/workflow-definition.js';

type Json<T extends object | null> = JSONColumnType<T, string, string>;
type Seq = ColumnType<number, number, number>;

/** The materializer saga's copy of every workflow definition (its graph never waits for another read model). */
export interface MaterializerWorkflowTable {
  slug: string;
  definition: Json<WorkflowDefinition>;
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
  in_flight: JSONColumnType<InFlightRun | null, string | null, string | null>;
  pending: JSONColumnType<TriggerSpec | null, string | null, string | null>;
  /** Backfill triggers with other parameters than the pending one's, each waiting for its own run. */
  queued: JSONColumnType<TriggerSpec[], string | undefined, string>;
  failures: number;
  next_eligible_at: string | null;
  /** Inputs with a failed blocking check and the expiry held until they pass (null: not blocked). */
  check_block: JSONColumnType<CheckBlock | null, string | null | undefined, string | null>;
}

/** Auto runs the saga requested: their causation chain and whether their end was counted. */
export interface MaterializerRunTable {
  run_id: string;
  workflow_slug: string;
  partition_key: string | null;
  chain: Json<string[]>;
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
