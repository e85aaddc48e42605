import type { EventEnvelope, StoredEvent } from './envelope.js';
import type { AppendResult, EventStore } from './event-store.js';

/** Events stored less than this long ago are still inside the 2-minute `Nats-Msg-Id` duplicate window (margin). */
const INSIDE_WINDOW_MS = 90_000;

/**
 * Appends the effects of a side-effect consumer at most once, however long ago their cause was stored (DESIGN §10:
 * the stream never holds two events with one id). A consumer replaying a batch whose events are younger than the
 * duplicate window relies on `Nats-Msg-Id`; for an older batch (a restart after a long outage, a replay from an
 * old checkpoint) it first collects the ids stored after the batch's first event — every effect of that batch can
 * only be stored after its cause — and skips what is already there. One scan serves every batch up to the head
 * it saw; appends made meanwhile by this process are remembered too.
 */
export class AppendOnce {
  private known: { horizon: number; ids: Set<string> } | null = null;

  constructor(
    private readonly store: EventStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Forget what was scanned (after a recovery the stream may hold more). */
  reset(): void {
    this.known = null;
  }

  /** Call before carrying out a batch's effects. */
  async prepare(batch: readonly StoredEvent[]): Promise<void> {
    const first = batch[0];
    if (!first) return;
    const old = first.storedAt !== undefined && this.now() - first.storedAt > INSIDE_WINDOW_MS;
    if (!old) return;
    if (this.known && first.seq <= this.known.horizon) return;
    const head = await this.store.lastSequence();
    this.known = { horizon: head, ids: await this.store.idsAfter(first.seq - 1) };
  }

  /** True when an event with this id is known to be stored already. */
  has(id: string): boolean {
    return this.known?.ids.has(id) ?? false;
  }

  /** Appends one envelope unless it is known to be stored; returns null when skipped. */
  async append(subject: string, envelope: EventEnvelope): Promise<AppendResult | null> {
    if (this.has(envelope.id)) return null;
    const result = await this.store.append(subject, [envelope]);
    this.known?.ids.add(envelope.id);
    return result;
  }
}
