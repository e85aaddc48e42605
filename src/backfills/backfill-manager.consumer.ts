import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../projections/database.js';
import { AppendOnce } from '../events/append-once.js';
import type { PoisonEvent, ProcessManager } from '../events/consumer-runner.js';
import { toEnvelope, type StoredEvent } from '../events/envelope.js';
import type { EventStore } from '../events/event-store.js';
import { settleAll } from '../events/settle-all.js';
import { BACKFILL_SIGNAL_TYPES } from './backfill-signals.js';
import {
  loadBackfillManagerState,
  progressOf,
  saveBackfillManagerChanges,
  type BackfillManagerChanges,
} from './backfill-manager.store.js';
import {
  decideBackfillEvent,
  emptyBackfillManagerState,
  putBackfill,
  type BackfillAppend,
  type BackfillManagerState,
  type PartitionRef,
} from './backfill.saga.js';

/** The consumer name: checkpoint row and lease key (`consumer.backfill_manager`). */
export const BACKFILL_MANAGER = 'backfill_manager';
const ACTOR = 'system';
const INPUT_TYPES = new Set(BACKFILL_SIGNAL_TYPES);

export interface BackfillManagerDeps {
  store: EventStore;
  log: Logger;
}

/**
 * The backfill process manager's shell (STYLE §6): while it holds its lease every active backfill lives in memory
 * (its request, how far it got, its partitions in flight and the runs serving them). Each batch is decided with the
 * pure `decideBackfillEvent`, event by event; the partitions it releases and the completions go out together,
 * appended at most once (ids derived from backfill × partition, checked beyond the duplicate window); the changes
 * are written back lazily with the checkpoint.
 */
export class BackfillManager implements ProcessManager {
  readonly name = BACKFILL_MANAGER;
  readonly kind = 'process-manager' as const;
  private state: BackfillManagerState = emptyBackfillManagerState();
  /** Backfills whose rows are in the store (their request is written once). */
  private readonly stored = new Set<string>();
  private readonly changedBackfills = new Set<string>();
  private readonly changedPartitions = new Map<string, PartitionRef>();
  private readonly once: AppendOnce;

  constructor(private readonly deps: BackfillManagerDeps) {
    this.once = new AppendOnce(deps.store, deps.store.subjects.allBackfills);
  }

  get dirty(): boolean {
    return this.changedBackfills.size > 0 || this.changedPartitions.size > 0;
  }

  async hydrate(db: Kysely<Database>): Promise<void> {
    const backfills = await loadBackfillManagerState(db);
    this.state = emptyBackfillManagerState();
    this.stored.clear();
    for (const backfill of backfills) {
      putBackfill(this.state, backfill);
      this.stored.add(backfill.request.backfillId);
    }
    this.changedBackfills.clear();
    this.changedPartitions.clear();
    this.once.reset();
  }

  async process(events: readonly StoredEvent[]): Promise<PoisonEvent[]> {
    const appends: BackfillAppend[] = [];
    for (const event of events) {
      if (!INPUT_TYPES.has(event.type)) continue;
      const decision = decideBackfillEvent(this.state, event);
      for (const id of decision.changedBackfills) this.changedBackfills.add(id);
      for (const ref of decision.changedPartitions)
        this.changedPartitions.set(`${ref.backfillId}\u001f${ref.partitionKey}`, ref);
      appends.push(...decision.appends);
    }
    if (appends.length === 0) return [];
    await this.once.prepare(events);
    await settleAll(appends.map((append) => () => this.append(append)));
    return [];
  }

  takeChanges(): ((tx: Transaction<Database>) => Promise<void>) | null {
    if (!this.dirty) return null;
    const changes: BackfillManagerChanges = {
      created: [],
      updated: [],
      removed: [],
      partitions: [],
      finishedPartitions: [],
    };
    for (const id of this.changedBackfills) {
      const backfill = this.state.backfills.get(id);
      if (!backfill) {
        if (this.stored.delete(id)) changes.removed.push(id);
      } else if (this.stored.has(id)) changes.updated.push({ backfillId: id, progress: progressOf(backfill) });
      else {
        changes.created.push({ request: backfill.request, progress: progressOf(backfill) });
        this.stored.add(id);
      }
    }
    for (const ref of this.changedPartitions.values()) {
      const active = this.state.backfills.get(ref.backfillId)?.active;
      if (active?.has(ref.partitionKey)) changes.partitions.push({ ...ref, runId: active.get(ref.partitionKey)! });
      else changes.finishedPartitions.push(ref);
    }
    this.changedBackfills.clear();
    this.changedPartitions.clear();
    return (tx) => saveBackfillManagerChanges(tx, changes);
  }

  /** Active backfills in memory (tests and operations). */
  activeBackfills(): BackfillManagerState['backfills'] {
    return this.state.backfills;
  }

  private async append(append: BackfillAppend): Promise<void> {
    const subject = this.deps.store.subjects.backfill(append.workflowSlug, append.backfillId);
    const metadata = { correlationId: append.backfillId, causationId: append.causationId, actor: ACTOR };
    await this.once.append(subject, toEnvelope(append.event, metadata, append.occurredAt));
  }
}
