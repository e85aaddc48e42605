import type { EventEnvelope, StoredEvent } from '../../src/events/envelope.js';
import { ConcurrencyConflictError, type AppendOptions, type AppendResult } from '../../src/events/event-store.js';
import type { EventLog } from '../../src/process-manager/event-log.js';

/**
 * The event log in memory, for specs that run a process-manager kernel without NATS: JetStream's append rules
 * (a known id is acknowledged as a duplicate before the expected sequence is checked; each further event of an
 * append expects its predecessor), subject filters with `*` and `>`. Sequences start at 1.
 */
export class MemoryLog implements EventLog {
  readonly events: StoredEvent[] = [];
  private readonly byId = new Map<string, StoredEvent>();
  /** Ids appended through `append` (by the code under test), in order. */
  readonly appendedIds: string[] = [];

  /** Stores an event as another writer would (a new sequence); a known id is dropped (returns null). */
  put(subject: string, event: EventEnvelope | StoredEvent): StoredEvent | null {
    if (this.byId.has(event.id)) return null;
    const { seq: _seq, subject: _subject, storedAt: _at, ...envelope } = event as StoredEvent;
    const stored = { ...structuredClone(envelope), seq: this.events.length + 1, subject } as StoredEvent;
    this.events.push(stored);
    this.byId.set(stored.id, stored);
    return stored;
  }

  async append(subject: string, events: readonly EventEnvelope[], options: AppendOptions = {}): Promise<AppendResult> {
    const seqs: number[] = [];
    const duplicates: boolean[] = [];
    let expected = options.expectedLastSeq;
    for (const event of events) {
      const known = this.byId.get(event.id);
      if (known) {
        seqs.push(known.seq);
        duplicates.push(true);
        continue;
      }
      if (expected !== undefined && this.lastOn(subject) !== expected)
        throw new ConcurrencyConflictError(subject, expected);
      const stored = this.put(subject, event)!;
      this.appendedIds.push(stored.id);
      seqs.push(stored.seq);
      duplicates.push(false);
      if (expected !== undefined) expected = stored.seq;
    }
    return { seqs, lastSeq: seqs[seqs.length - 1] ?? 0, duplicates };
  }

  async lastSequence(): Promise<number> {
    return this.events.length;
  }

  async idsAfter(afterSeq: number, filter = '>'): Promise<Set<string>> {
    return new Set(this.events.filter((e) => e.seq > afterSeq && matches(filter, e.subject)).map((e) => e.id));
  }

  async readSubject(subject: string, fromSeq = 1): Promise<StoredEvent[]> {
    return this.events.filter((event) => event.subject === subject && event.seq >= fromSeq);
  }

  lastOn(subject: string): number {
    for (let i = this.events.length - 1; i >= 0; i--) if (this.events[i]!.subject === subject) return i + 1;
    return 0;
  }

  get(id: string): StoredEvent | undefined {
    return this.byId.get(id);
  }
}

/** NATS subject matching: `*` is one token, `>` the rest. */
export function matches(filter: string, subject: string): boolean {
  const want = filter.split('.');
  const have = subject.split('.');
  for (let i = 0; i < want.length; i++) {
    if (want[i] === '>') return have.length > i;
    if (i >= have.length || (want[i] !== '*' && want[i] !== have[i])) return false;
  }
  return want.length === have.length;
}
