import { snapshotCodec } from '../../domain/snapshot-codec.js';
import type { WorkflowDefinition } from '../../workflows/workflow-definition.js';
import type { TriggerSpec } from '../materializer.events.js';
import type { CheckBlock, InFlightRun } from '../saga-state.js';

/*
 * The materializer's persisted state, one versioned snapshot per JSON column (STYLE §6). Triggers and workflow
 * definitions are payloads of events (`materializer.trigger.*`, `workflow.definition.updated`): storage contracts
 * of their own, carried inside the snapshot as they are. Rows written before versions read as version 1.
 */

/** `materializer_target.in_flight`, version 1: the auto run in flight for a workflow × partition. */
export interface InFlightSnapshotV1 {
  v: 1;
  runId: string;
  assetId: string;
  reason: 'upstream-update' | 'expiry' | 'stale-mark' | 'dependency' | 'backfill';
  since: string;
}

export const inFlightSnapshot = snapshotCodec<InFlightRun, InFlightSnapshotV1>({
  name: 'materializer_target.in_flight',
  version: 1,
  encode: (run) => ({ v: 1, runId: run.runId, assetId: run.assetId, reason: run.reason, since: run.since }),
  decode: (row) => ({ runId: row.runId, assetId: row.assetId, reason: row.reason, since: row.since }),
});

/** `materializer_target.check_block`, version 1: inputs with a failed blocking check, and the expiry held. */
export interface CheckBlockSnapshotV1 {
  v: 1;
  inputs: Array<{ assetId: string; partitionKey: string | null; eventId: string; seq: number; checks: string[] }>;
  heldExpiry: TriggerSpec | null;
}

export const checkBlockSnapshot = snapshotCodec<CheckBlock, CheckBlockSnapshotV1>({
  name: 'materializer_target.check_block',
  version: 1,
  encode: (block) => ({ v: 1, inputs: block.inputs.map((input) => ({ ...input })), heldExpiry: block.heldExpiry }),
  decode: (row) => ({ inputs: row.inputs.map((input) => ({ ...input })), heldExpiry: row.heldExpiry }),
});

/** `materializer_target.pending`, version 1: the follow-up trigger waiting for the run in flight or the backoff. */
export type PendingSnapshotV1 = TriggerSpec & { v: 1 };

export const pendingSnapshot = snapshotCodec<TriggerSpec, PendingSnapshotV1>({
  name: 'materializer_target.pending',
  version: 1,
  encode: (trigger) => ({ ...trigger, v: 1 }),
  decode: ({ v: _v, ...trigger }) => trigger,
});

/** `materializer_target.queued`, version 1 (rows before versions hold the bare array). */
export interface QueuedSnapshotV1 {
  v: 1;
  triggers: TriggerSpec[];
}

export const queuedSnapshot = snapshotCodec<TriggerSpec[], QueuedSnapshotV1>({
  name: 'materializer_target.queued',
  version: 1,
  encode: (triggers) => ({ v: 1, triggers }),
  decode: (row) => row.triggers,
  legacy: (row) => (Array.isArray(row) ? { v: 1, triggers: row } : row),
});

/** `materializer_workflow.definition`, version 1: the materializer's copy of a workflow definition. */
export type DefinitionSnapshotV1 = WorkflowDefinition & { v: 1 };

export const definitionSnapshot = snapshotCodec<WorkflowDefinition, DefinitionSnapshotV1>({
  name: 'materializer_workflow.definition',
  version: 1,
  encode: (definition) => ({ ...definition, v: 1 }),
  decode: ({ v: _v, ...definition }) => definition,
});

/** `materializer_run.chain`, version 1: the causation chain of an auto run (rows before versions: the array). */
export interface ChainSnapshotV1 {
  v: 1;
  slugs: string[];
}

export const chainSnapshot = snapshotCodec<string[], ChainSnapshotV1>({
  name: 'materializer_run.chain',
  version: 1,
  encode: (slugs) => ({ v: 1, slugs }),
  decode: (row) => row.slugs,
  legacy: (row) => (Array.isArray(row) ? { v: 1, slugs: row } : row),
});
