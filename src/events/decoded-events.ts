import type { StoredEvent } from './envelope.js';

/**
 * Events decoded (and validated) by this process, keyed by stream sequence: every consumer of a process reads the
 * same events at about the same time, so each is decoded once. Two generations of at most `size / 2` each: when the
 * newer fills up, the older is dropped.
 */
export class DecodedEvents {
  private newer = new Map<number, StoredEvent>();
  private older = new Map<number, StoredEvent>();

  constructor(private readonly size = 20_000) {}

  /** The event at `seq` on `subject`, decoded by `decode` unless already held. */
  at(seq: number, subject: string, decode: () => StoredEvent): StoredEvent {
    const held = this.newer.get(seq) ?? this.older.get(seq);
    if (held && held.subject === subject) return held;
    const event = decode();
    if (this.newer.size >= this.size / 2) {
      this.older = this.newer;
      this.newer = new Map();
    }
    this.newer.set(seq, event);
    return event;
  }
}
