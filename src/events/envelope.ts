import { v5 as uuidv5, v7 as uuidv7 } from 'uuid';

/** Who and what caused an event. `causationId` is the id of the event (or null for a request) that led to it. */
export interface EventMetadata {
  correlationId: string;
  causationId: string | null;
  actor: string;
}

/**
 * The one envelope every message in the event log carries (DESIGN §3). `Nats-Msg-Id` equals `id`; the type is also
 * in the `Apphub-Event-Type` header.
 */
export interface EventEnvelope<T extends string = string, D = unknown> {
  id: string;
  type: T;
  schemaVersion: number;
  occurredAt: string;
  data: D;
  metadata: EventMetadata;
}

/** An envelope read back from the stream, with its position. */
export interface StoredEvent<T extends string = string, D = unknown> extends EventEnvelope<T, D> {
  seq: number;
  subject: string;
  /** When the stream stored it (epoch ms, the server's clock); absent for events built in memory. */
  storedAt?: number;
}

/** What deciders return: the shell wraps it in an envelope. */
export interface NewEvent<T extends string = string, D = unknown> {
  type: T;
  data: D;
  /** Set for events caused by another event: the id must be derived from the cause (see `derivedEventId`). */
  id?: string;
  schemaVersion?: number;
}

const EVENT_ID_NAMESPACE = '6f1d8a52-3c4b-4f0e-9a57-2b8f7c1e9d40';

/** A fresh time-ordered id for events caused by a request. */
export function newEventId(): string {
  return uuidv7();
}

/** A deterministic id for an event caused by another event: the same cause and parts always give the same id. */
export function derivedEventId(causeId: string, ...parts: Array<string | number | null | undefined>): string {
  return uuidv5(
    [causeId, ...parts.map((part) => (part === null || part === undefined ? '\u0000' : String(part)))].join('\u001f'),
    EVENT_ID_NAMESPACE,
  );
}

/** Wraps a decided event in an envelope. */
export function toEnvelope<T extends string, D>(
  event: NewEvent<T, D>,
  metadata: EventMetadata,
  occurredAt: string,
): EventEnvelope<T, D> {
  return {
    id: event.id ?? newEventId(),
    type: event.type,
    schemaVersion: event.schemaVersion ?? 1,
    occurredAt,
    data: event.data,
    metadata,
  };
}
