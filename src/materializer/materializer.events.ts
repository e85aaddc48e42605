/** What a trigger decision was: the token is also the last subject token (`<prefix>.materializer.<slug>.<outcome>`). */
export type TriggerOutcome = 'enqueued' | 'coalesced' | 'deferred-backoff' | 'skipped';

/** Why an auto run is (or would be) requested. */
export type TriggerReason = 'upstream-update' | 'expiry' | 'stale-mark' | 'dependency' | 'backfill';

/**
 * Reason codes of `skipped` decisions: `cycle` (the causation chain already holds the target), `partition_mismatch`
 * (the upstream key cannot be mapped onto the target's partitioning), `outside_lookback` (an expired time window
 * older than `lookbackWindows`), `policy_disabled` (`autoMaterialize.enabled: false`), `newer_materialization` (the
 * expired materialization was replaced since), `run_key_conflict` (an active run of another origin holds the key),
 * `workflow_not_found` (a backfill partition of a workflow the materializer does not know), `run_request_too_large`
 * (the merged parameters make a `workflow.run.requested` above the NATS server's `max_payload`; never retried),
 * `blocked-by-check` (a blocking check failed on the newest materialization of an input of the workflow × partition:
 * upstream updates and backfill partitions are skipped, an expiry is held until a passing materialization of that
 * input arrives; see `check-blocks.ts`).
 */
export type SkipReason =
  | 'cycle'
  | 'partition_mismatch'
  | 'outside_lookback'
  | 'policy_disabled'
  | 'newer_materialization'
  | 'run_key_conflict'
  | 'workflow_not_found'
  | 'run_request_too_large'
  | 'blocked-by-check';

/** The upstream materialization behind an `upstream-update` trigger. */
export interface UpstreamRef {
  workflowSlug: string;
  runId: string;
  eventSeq: number;
  assetId: string;
  partitionKey: string | null;
}

/**
 * Everything a run for one trigger needs, kept while the trigger waits (coalesced or deferred) so the follow-up run
 * can be built later. `chain` is the causation chain of workflow slugs, ending with the target's own slug.
 */
export interface TriggerSpec {
  reason: TriggerReason;
  /** The asset that caused the trigger (upstream asset, expired asset, stale-marked asset). */
  assetId: string;
  /** The target's opted-in asset whose policy supplies `parameterDefaults` and `priority`. */
  sourceAssetId: string;
  /** The target partition (null for an unpartitioned target). */
  partitionKey: string | null;
  upstream: UpstreamRef | null;
  expiry: { reason: 'ttl' | 'cadence' } | null;
  chain: string[];
  /** Id of the event that caused this trigger. */
  eventId: string;
  /** How many triggers were folded into this one while it waited. */
  coalesced: number;
  /** `dependency` triggers: the run that waits for the asset (DESIGN §6). */
  waitingRun?: { workflowSlug: string; runId: string; stepId: string };
  /** `backfill` triggers: the backfill that released the partition, and its parameters (merged into the run's). */
  backfill?: { backfillId: string; parameters: Record<string, unknown> | null };
  /**
   * Every backfill whose partition this trigger covers: its own and those folded into it while it waited. The run
   * it becomes is the partition's run for each of them (the backfill manager and read model follow it).
   */
  backfillIds?: string[];
}

/** The event a decision was made for. */
export interface DecisionCause {
  eventId: string;
  type: string;
  seq: number;
}

/**
 * `materializer.trigger.<outcome>` — one trigger the materializer considered for one workflow × partition, appended
 * by the materializer saga on `<prefix>.materializer.<slug>.<outcome>`. Its id is derived from the causing event,
 * the workflow and the partition, so a replay appends the same id. `at` is the causing event's `occurredAt`.
 */
export interface TriggerDecision {
  workflowSlug: string;
  assetId: string;
  partitionKey: string | null;
  outcome: TriggerOutcome;
  reason: string;
  /** enqueued: the requested run; coalesced: the run in flight. */
  runId: string | null;
  at: string;
  cause: DecisionCause;
  /** The trigger as it stands after this decision (pending for coalesced/deferred; null for skipped). */
  trigger: TriggerSpec | null;
  /** For a follow-up run: the run whose end released it. */
  followUpOf: string | null;
  nextEligibleAt: string | null;
  detail: string | null;
}

/** `materializer.backoff.elapsed` — the backoff timer of a workflow × partition fired (on `…<slug>.backoff-elapsed`). */
export interface BackoffElapsed {
  workflowSlug: string;
  partitionKey: string | null;
  nextEligibleAt: string;
}

/**
 * `materializer.run.reconciled` — an in-flight auto run was found ended (or never created) outside the normal
 * terminal events: by the reconciliation sweep, when the run request was refused, or when its claim outlived
 * `ASSET_MATERIALIZER_MAX_CLAIM_AGE_MS` (`claim-expired`: the claim is released, the run itself is left alone)
 * (on `…<slug>.reconciled`).
 */
export interface RunReconciled {
  workflowSlug: string;
  partitionKey: string | null;
  runId: string;
  status: 'succeeded' | 'failed' | 'canceled' | 'missing' | 'refused' | 'claim-expired';
  detail: string | null;
}

export type MaterializerEventMap = {
  'materializer.trigger.enqueued': TriggerDecision;
  'materializer.trigger.coalesced': TriggerDecision;
  'materializer.trigger.deferred-backoff': TriggerDecision;
  'materializer.trigger.skipped': TriggerDecision;
  'materializer.backoff.elapsed': BackoffElapsed;
  'materializer.run.reconciled': RunReconciled;
};

export type MaterializerEventType = keyof MaterializerEventMap;
export const TRIGGER_DECISION_TYPES = [
  'materializer.trigger.enqueued',
  'materializer.trigger.coalesced',
  'materializer.trigger.deferred-backoff',
  'materializer.trigger.skipped',
] as const;

/** Subject token (last) of each materializer event type. */
export const MATERIALIZER_SUBJECT_TOKEN: Record<MaterializerEventType, string> = {
  'materializer.trigger.enqueued': 'enqueued',
  'materializer.trigger.coalesced': 'coalesced',
  'materializer.trigger.deferred-backoff': 'deferred-backoff',
  'materializer.trigger.skipped': 'skipped',
  'materializer.backoff.elapsed': 'backoff-elapsed',
  'materializer.run.reconciled': 'reconciled',
};
