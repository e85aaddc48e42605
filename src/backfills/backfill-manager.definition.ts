import { toEnvelope, type StoredEvent } from '../events/envelope.js';
import type { Subjects } from '../events/subjects.js';
import type { ManagerChange, ManagerDefinition, ManagerEffect } from '../process-manager/manager-definition.js';
import { BACKFILL_SIGNAL_TYPES } from './backfill-signals.js';
import {
  decideBackfillEvent,
  type BackfillAppend,
  type BackfillManagerState,
  type ManagedBackfill,
} from './backfill.saga.js';

/** The consumer name: checkpoint row and lease key (`consumer.backfill_manager`). */
export const BACKFILL_MANAGER = 'backfill_manager';
const ACTOR = 'system';

/** A backfill as written back: its request and how far it got (no partitions: those are rows of their own). */
export type StoredBackfill = Omit<ManagedBackfill, 'active'>;

/** The rows the backfill manager writes back: active backfills, and released unfinished partitions with their run. */
export interface BackfillManagerParts {
  backfill: StoredBackfill;
  partition: { backfillId: string; partitionKey: string; runId: string | null };
}

/** The backfill manager has no calls: it only appends. */
export type BackfillManagerDefinition = ManagerDefinition<
  BackfillManagerState,
  null,
  null,
  never,
  BackfillManagerParts
>;

/**
 * The backfill process manager as a kernel definition (STYLE §6): its whole state is hydrated (active backfills
 * are few), so a batch reads nothing more; each event is decided with `decideBackfillEvent`, the partitions it
 * releases and the completions are appended at most once (ids derived from backfill × partition), and the rows
 * the events changed are written back with the checkpoint.
 */
export function backfillManagerDefinition(subjects: Subjects): BackfillManagerDefinition {
  const append = (decided: BackfillAppend): ManagerEffect<never> => ({
    kind: 'append',
    scope: 'backfills',
    subject: subjects.backfill(decided.workflowSlug, decided.backfillId),
    envelope: toEnvelope(
      decided.event,
      { correlationId: decided.backfillId, causationId: decided.causationId, actor: ACTOR },
      decided.occurredAt,
    ),
  });
  return {
    name: BACKFILL_MANAGER,
    inputTypes: new Set(BACKFILL_SIGNAL_TYPES),
    appendScopes: { backfills: subjects.allBackfills },
    reads: () => null,
    decideBatch(state: BackfillManagerState, events: readonly StoredEvent[]) {
      const effects: ManagerEffect<never>[] = [];
      const changes: ManagerChange<BackfillManagerParts>[] = [];
      for (const event of events) {
        const decision = decideBackfillEvent(state, event);
        for (const id of decision.changedBackfills) changes.push(backfillChange(state, id));
        for (const ref of decision.changedPartitions) {
          const runId = state.backfills.get(ref.backfillId)?.active.get(ref.partitionKey);
          const key = partitionRowKey(ref.backfillId, ref.partitionKey);
          changes.push({ part: 'partition', key, value: runId === undefined ? null : { ...ref, runId } });
        }
        effects.push(...decision.appends.map(append));
      }
      return { effects, changes };
    },
  };
}

function backfillChange(state: BackfillManagerState, backfillId: string): ManagerChange<BackfillManagerParts> {
  const backfill = state.backfills.get(backfillId);
  if (!backfill) return { part: 'backfill', key: backfillId, value: null };
  const { request, next, canceled, finished } = backfill;
  return { part: 'backfill', key: backfillId, value: { request, next, canceled, finished: { ...finished } } };
}

/** The tracker's key of a partition row. */
export function partitionRowKey(backfillId: string, partitionKey: string): string {
  return `${backfillId}\u001f${partitionKey}`;
}
