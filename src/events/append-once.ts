import type { EventEnvelope, StoredEvent } from './envelope.js';
import type { AppendResult, EventStore } from './event-store.js';

/** What `AppendOnce` uses of the event log (the event store, or an in-memory stream in specs). */
export type AppendOnceLog = Pick<EventStore, 'append' | 'lastSequence' | 'idsAfter'>;

/**
 * Appends the effects of a side-effect consumer at most once, however long ago their cause was stored (DESIGN §10:
 * the stream never holds two events with one id). A batch is replayed only after a recovery (a restart, a failover,
 * a failed batch: the runner hydrates again and calls `reset`), so the first batch after a reset that appends
 * anything collects the ids stored after its first event — every effect of that batch, and of the batches a previous attempt carried out
 * after it, can only be stored after its cause — and skips what is already there. The decision uses stream
 * sequences only: no clock of this process (a skewed clock or a long pause cannot make an old batch look young).
 * Appends made meanwhile by this process are remembered too.
 */
interface Scan {
  /** The stream's head when the scan began: batches past it were carried out by this process alone. */
  horizon: number;
  ids: Set<string>;
}

export class AppendOnce {
  /** Ids stored after the first batch since the reset, up to the head seen then (`horizon`); null: not scanned. */
  private scanned: Scan | Promise<Scan> | null = null;
  /** Ids this process appended for the batch in hand (kept while the same batch is prepared again). */
  private appended = new Set<string>();
  private batchStart = 0;

  constructor(
    private readonly store: AppendOnceLog,
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
    if (this.scanned instanceof Promise) await this.scanned.catch(() => undefined);
    if (this.scanned && !(this.scanned instanceof Promise) && first.seq > this.scanned.horizon)
      // Past the head seen at the scan: no earlier attempt can have carried out this batch (a replay follows a reset).
      this.scanned = { horizon: this.scanned.horizon, ids: new Set() };
  }

  /**
   * The scan, made once after a reset by the first batch that has something to append (a batch that appends
   * nothing needs none), from that batch's first event: the effects of it and of every later batch lie after it.
   */
  private async known(): Promise<Set<string>> {
    if (!this.scanned) {
      const from = this.batchStart;
      const scan = (async () => {
        const horizon = await this.store.lastSequence();
        return { horizon, ids: await this.store.idsAfter(from - 1, this.scope) };
      })();
      this.scanned = scan;
      scan.then(
        (done) => {
          if (this.scanned === scan) this.scanned = done;
        },
        () => {
          if (this.scanned === scan) this.scanned = null;
        },
      );
    }
    return (await this.scanned).ids;
  }

  /** How many ids are held (what the scan costs in memory). */
  get size(): number {
    const scanned = this.scanned && !(this.scanned instanceof Promise) ? this.scanned.ids.size : 0;
    return scanned + this.appended.size;
  }

  /** Appends one envelope unless it is known to be stored; returns null when skipped. */
  async append(subject: string, envelope: EventEnvelope): Promise<AppendResult | null> {
    if ((await this.known()).has(envelope.id) || this.appended.has(envelope.id)) return null;
    const result = await this.store.append(subject, [envelope]);
    this.appended.add(envelope.id);
    return result;
  }
}
