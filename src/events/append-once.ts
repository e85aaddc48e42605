import type { EventEnvelope, StoredEvent } from './envelope.js';
import type { AppendResult, EventStore } from './event-store.js';

/**
 * Appends the effects of a side-effect consumer at most once, however long ago their cause was stored (DESIGN §10:
 * the stream never holds two events with one id). A batch is replayed only after a recovery (a restart, a failover,
 * a failed batch: the runner hydrates again and calls `reset`), so the first batch after a reset collects the ids
 * stored after its first event — every effect of that batch, and of the batches a previous attempt carried out
 * after it, can only be stored after its cause — and skips what is already there. The decision uses stream
 * sequences only: no clock of this process (a skewed clock or a long pause cannot make an old batch look young).
 * Appends made meanwhile by this process are remembered too.
 */
export class AppendOnce {
  /** Ids stored after the first batch since the reset, up to the head seen then (`horizon`); null: not scanned. */
  private scanned: { horizon: number; ids: Set<string> } | null = null;
  /** Ids this process appended for the batch in hand (kept while the same batch is prepared again). */
  private appended = new Set<string>();
  private batchStart = 0;

  constructor(
    private readonly store: EventStore,
    /**
     * The subjects the consumer appends its effects to (one filter, e.g. `<prefix>.materializer.>`): the scan after
     * a recovery holds only what was stored there, so its memory follows the consumer's own output, never the
     * backlog of other events it fell behind on.
     */
    private readonly scope: string,
  ) {}

  /** Forget what was scanned (after a recovery the stream may hold more). */
  reset(): void {
    this.scanned = null;
    this.appended.clear();
  }

  /** Call before carrying out a batch's effects. */
  async prepare(batch: readonly StoredEvent[]): Promise<void> {
    const first = batch[0];
    if (!first) return;
    if (first.seq !== this.batchStart) this.appended.clear();
    this.batchStart = first.seq;
    if (!this.scanned) {
      const horizon = await this.store.lastSequence();
      this.scanned = { horizon, ids: await this.store.idsAfter(first.seq - 1, this.scope) };
    } else if (first.seq > this.scanned.horizon && this.scanned.ids.size > 0) {
      // Past the head seen at the scan: no earlier attempt can have carried out this batch (a replay follows a reset).
      this.scanned = { horizon: this.scanned.horizon, ids: new Set() };
    }
  }

  /** How many ids are held (what the scan costs in memory). */
  get size(): number {
    return (this.scanned?.ids.size ?? 0) + this.appended.size;
  }

  /** True when an event with this id is known to be stored already. */
  has(id: string): boolean {
    return (this.scanned?.ids.has(id) ?? false) || this.appended.has(id);
  }

  /** Appends one envelope unless it is known to be stored; returns null when skipped. */
  async append(subject: string, envelope: EventEnvelope): Promise<AppendResult | null> {
    if (this.has(envelope.id)) return null;
    const result = await this.store.append(subject, [envelope]);
    this.appended.add(envelope.id);
    return result;
  }
}
