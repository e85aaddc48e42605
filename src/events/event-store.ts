import { DeliverPolicy, JetStreamApiError, type JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import type { EventEnvelope, StoredEvent } from './envelope.js';
import type { EventSchemaRegistry } from './event-schemas.js';
import { EVENT_HEADER_ROOM_BYTES, EventTooLargeError } from './event-size.js';
import type { NatsContext } from './nats-context.js';
import { DependencyUnavailableError } from './transient-error.js';
import { DecodedEvents } from './decoded-events.js';
import { readOrderedUntil, scanIds } from './ordered-reads.js';
import { LONG_PULL_EXPIRES_MS, pullOptions } from './pull-options.js';

/** The subject moved on since the writer read it (expected-last-subject-sequence failed). */
export class ConcurrencyConflictError extends Error {
  constructor(
    readonly subject: string,
    readonly expectedLastSeq: number,
  ) {
    super(`concurrency conflict on ${subject}: expected last sequence ${expectedLastSeq}`);
    this.name = 'ConcurrencyConflictError';
  }
}

export const EVENT_TYPE_HEADER = 'Apphub-Event-Type';
const WRONG_LAST_SEQUENCE = 10071;
const NO_MESSAGE_FOUND = 10037;

export interface AppendOptions {
  /** Optimistic concurrency: the subject's last sequence the writer saw (0 = the subject must be empty). */
  expectedLastSeq?: number;
}

export interface AppendResult {
  seqs: number[];
  lastSeq: number;
  /** True for each event the server already had (same id inside the duplicate window). */
  duplicates: boolean[];
}

/** Observes appends (metrics). */
export type AppendListener = (type: string) => void;

/**
 * The event log on JetStream: the only writer and reader of `<PREFIX>_EVENTS`. Validates every envelope on
 * append and on read; `Nats-Msg-Id` = event id. Fails fast with `DependencyUnavailableError` while NATS is
 * disconnected instead of letting a request wait for its timeout.
 */
export class EventStore {
  private readonly listeners: AppendListener[] = [];
  // Two generations instead of evicting the oldest entry one by one: `map.keys().next()` after many deletes walks
  // the map's deleted slots and made every decode O(cache size).
  private readonly decoded = new DecodedEvents();

  constructor(
    private readonly nats: NatsContext,
    readonly registry: EventSchemaRegistry,
  ) {}

  get subjects() {
    return this.nats.subjects;
  }

  onAppend(listener: AppendListener): void {
    this.listeners.push(listener);
  }

  /**
   * Appends events to one subject in order. With `expectedLastSeq` the first event requires the subject's last
   * sequence to equal it and each following event requires its predecessor's, so nothing interleaves.
   */
  async append(subject: string, events: readonly EventEnvelope[], options: AppendOptions = {}): Promise<AppendResult> {
    const bodies = events.map((event) => this.encode(event));
    this.assertConnected();
    const seqs: number[] = [];
    const duplicates: boolean[] = [];
    let expected = options.expectedLastSeq;
    for (const [index, event] of events.entries()) {
      const h = natsHeaders();
      h.set(EVENT_TYPE_HEADER, event.type);
      try {
        const ack = await this.nats.publish(subject, bodies[index]!, {
          msgID: event.id,
          headers: h,
          ...(expected === undefined ? {} : { expect: { lastSubjectSequence: expected } }),
        });
        seqs.push(ack.seq);
        duplicates.push(ack.duplicate);
        if (expected !== undefined) expected = ack.seq;
        if (!ack.duplicate) for (const listener of this.listeners) listener(event.type);
      } catch (error) {
        if (error instanceof JetStreamApiError && error.code === WRONG_LAST_SEQUENCE) {
          throw new ConcurrencyConflictError(subject, expected ?? -1);
        }
        throw error;
      }
    }
    return { seqs, lastSeq: seqs[seqs.length - 1] ?? 0, duplicates };
  }

  /** The largest event the server takes: its real `max_payload` (re-read on every reconnect). */
  get maxEventBytes(): number {
    return this.nats.nc.info?.max_payload ?? 1024 * 1024;
  }

  /** The JSON of an event, or `EventTooLargeError` when the server would refuse it. */
  private encodeWithinLimit(event: EventEnvelope): string {
    const body = JSON.stringify(event);
    const size = Buffer.byteLength(body, 'utf8') + EVENT_HEADER_ROOM_BYTES;
    if (size > this.maxEventBytes) throw new EventTooLargeError(event.type, size, this.maxEventBytes);
    return body;
  }

  /** The last event on a subject, or null when the subject is empty. */
  async readLast(subject: string): Promise<StoredEvent | null> {
    this.assertConnected();
    try {
      const message = await this.nats.jsm.streams.getMessage(this.nats.subjects.streams.events, {
        last_by_subj: subject,
      });
      if (!message) return null;
      return this.decode(message.json(), message.seq, message.subject, message.timestamp);
    } catch (error) {
      if (error instanceof JetStreamApiError && error.code === NO_MESSAGE_FOUND) return null;
      throw error;
    }
  }

  /**
   * The stream sequence of the last message on a subject (undefined when none), without decoding it: a message that
   * is not an event (dead-lettered by every consumer) must not stop a scan that only needs where to end.
   */
  private async lastSeqOn(subject: string): Promise<number | undefined> {
    try {
      const message = await this.nats.jsm.streams.getMessage(this.nats.subjects.streams.events, {
        last_by_subj: subject,
      });
      return message?.seq;
    } catch (error) {
      if (error instanceof JetStreamApiError && error.code === NO_MESSAGE_FOUND) return undefined;
      throw error;
    }
  }

  /** The event at one stream sequence (validated); throws when there is none or it is not a valid event. */
  async readAt(seq: number): Promise<StoredEvent> {
    this.assertConnected();
    const message = await this.nats.jsm.streams.getMessage(this.nats.subjects.streams.events, { seq });
    if (!message) throw new Error(`no event at sequence ${seq}`);
    return this.decode(message.json(), message.seq, message.subject, message.timestamp);
  }

  /** The first event on a subject at or after `fromSeq`, or null. */
  async readFirst(subject: string, fromSeq = 1): Promise<StoredEvent | null> {
    this.assertConnected();
    try {
      const message = await this.nats.jsm.streams.getMessage(this.nats.subjects.streams.events, {
        next_by_subj: subject,
        seq: fromSeq,
      } as unknown as { seq: number });
      if (!message) return null;
      return this.decode(message.json(), message.seq, message.subject, message.timestamp);
    } catch (error) {
      if (error instanceof JetStreamApiError && error.code === NO_MESSAGE_FOUND) return null;
      throw error;
    }
  }

  /** Every event on one subject from `fromSeq` (stream sequence), in order. */
  async readSubject(subject: string, fromSeq = 1): Promise<StoredEvent[]> {
    const last = await this.readLast(subject);
    if (!last || last.seq < fromSeq) return [];
    if (last.seq === fromSeq) return [last];
    const events: StoredEvent[] = [];
    await readOrderedUntil(
      this.nats,
      { filter_subjects: subject, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: fromSeq },
      last.seq,
      (message) => events.push(this.decodeAt(message.seq, message.subject, () => message.json(), message.storedAt)),
    );
    return events;
  }

  /**
   * The events on one subject after stream sequence `afterSeq`, for a reader that holds the subject up to there and
   * expects a few more (a cached aggregate): up to `directReads` of them are read one direct get each (no consumer
   * is created on the server), the rest with `readSubject`.
   */
  async readTail(subject: string, afterSeq: number, directReads = 4): Promise<StoredEvent[]> {
    const last = await this.readLast(subject);
    if (!last || last.seq <= afterSeq) return [];
    const events: StoredEvent[] = [];
    let from = afterSeq + 1;
    for (let read = 0; read < directReads; read += 1) {
      const next = await this.readFirst(subject, from);
      if (!next || next.seq >= last.seq) return [...events, last];
      events.push(next);
      from = next.seq + 1;
    }
    return [...events, ...(await this.readSubject(subject, from))];
  }

  /**
   * The ids (`Nats-Msg-Id`) of every event on `filter` (default: every event) stored after `afterSeq` (headers only,
   * one ordered read to the last such event). Side-effect consumers replaying a batch check here before appending,
   * so the stream never holds two events with one id, however long an outage lasted; filtered to the subjects they
   * append to, the set holds their own effects, not the backlog of everything else.
   */
  async idsAfter(afterSeq: number, filter: string = this.nats.subjects.allEvents): Promise<Set<string>> {
    this.assertConnected();
    const last = filter === this.nats.subjects.allEvents ? await this.lastSequence() : await this.lastSeqOn(filter);
    if (last === undefined || last <= afterSeq) return new Set();
    return scanIds(
      this.nats,
      { filter_subjects: filter, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: afterSeq + 1 },
      last,
    );
  }

  /**
   * Appends one event unless an event with its id was stored on `subject` since `since` (a retry outside the
   * duplicate window, e.g. a timer redelivered long after an outage). Within the window `Nats-Msg-Id` de-duplicates.
   */
  async appendOnceSince(subject: string, event: EventEnvelope, since: Date): Promise<AppendResult | null> {
    if (Date.now() - since.getTime() > 90_000 && (await this.idsOnSubjectSince(subject, since)).has(event.id))
      return null;
    return this.append(subject, [event]);
  }

  /** Ids (`Nats-Msg-Id`) of the events stored on one subject since an instant (headers only). */
  async idsOnSubjectSince(subject: string, since: Date): Promise<Set<string>> {
    const last = await this.readLast(subject);
    if (!last || (last.storedAt ?? 0) < since.getTime()) return new Set();
    return scanIds(
      this.nats,
      { filter_subjects: subject, deliver_policy: DeliverPolicy.StartTime, opt_start_time: since.toISOString() },
      last.seq,
    );
  }

  /**
   * Calls `onEvent` for every new event on `filter` from now on (an ordered consumer; best effort: for caches that
   * are verified by expected sequences anyway). Returns a stop function.
   */
  async follow(filter: string, onEvent: (event: StoredEvent) => void): Promise<() => void> {
    const consumer = await this.nats.js.consumers.get(this.nats.subjects.streams.events, {
      filter_subjects: filter,
      deliver_policy: DeliverPolicy.New,
    });
    const messages = await consumer.consume(pullOptions(1000, LONG_PULL_EXPIRES_MS));
    void (async () => {
      for await (const message of messages) {
        try {
          onEvent(this.decodeMessage(message));
        } catch {
          /* an invalid event is the consumers' business (dead letters), not a cache's */
        }
      }
    })().catch(() => undefined);
    return () => messages.stop();
  }

  /** The stream's last sequence (0 when empty). */
  async lastSequence(): Promise<number> {
    this.assertConnected();
    const info = await this.nats.jsm.streams.info(this.nats.subjects.streams.events);
    return info.state.last_seq;
  }

  /**
   * Decodes (and validates) a delivered message, once per process (`DecodedEvents`).
   */
  decodeMessage(message: JsMsg): StoredEvent {
    return this.decodeAt(message.seq, message.subject, () => message.json(), message.info.timestampNanos / 1e6);
  }

  private decodeAt(seq: number, subject: string, body: () => unknown, storedAt: number): StoredEvent {
    return this.decoded.at(seq, subject, () => this.decode(body(), seq, subject, storedAt));
  }

  private encode(event: EventEnvelope): string {
    this.registry.assertValid(event);
    return this.encodeWithinLimit(event);
  }

  private assertConnected(): void {
    if (!this.nats.isConnected()) throw new DependencyUnavailableError('nats', 'NATS is not connected');
  }

  private decode(body: unknown, seq: number, subject: string, storedAt: number | string): StoredEvent {
    this.registry.assertValid(body);
    const at = typeof storedAt === 'number' ? storedAt : Date.parse(storedAt);
    return { ...(body as EventEnvelope), seq, subject, storedAt: at };
  }
}
