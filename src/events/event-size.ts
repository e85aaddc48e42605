import type { EventEnvelope } from './envelope.js';

/** Room for the headers a stored event carries (`Nats-Msg-Id`, `Apphub-Event-Type`, expected sequence). */
export const EVENT_HEADER_ROOM_BYTES = 512;

/** What the server counts against `max_payload` for one event: its JSON body plus room for its headers. */
export function encodedEventSize(envelope: EventEnvelope): number {
  return Buffer.byteLength(JSON.stringify(envelope), 'utf8') + EVENT_HEADER_ROOM_BYTES;
}

/**
 * An event larger than the server's `max_payload`: refused before anything of the append is published, so the
 * command that built it changes nothing. HTTP answers 413 `payload_too_large`.
 */
export class EventTooLargeError extends Error {
  readonly code = 'payload_too_large';

  constructor(
    readonly eventType: string,
    readonly size: number,
    readonly limit: number,
  ) {
    super(
      `The ${eventType} event this request would record is ${size} bytes, above the ${limit} bytes the NATS ` +
        `server accepts per message (max_payload); send less data.`,
    );
    this.name = 'EventTooLargeError';
  }
}
