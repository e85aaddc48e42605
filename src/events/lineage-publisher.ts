import { headers as natsHeaders } from '@nats-io/transport-node';
import type { NatsContext } from './nats-context.js';

/** The token below the prefix that holds OpenLineage JSON in `<PREFIX>_EVENTS`: `<prefix>.lineage.<slug>`. */
const LINEAGE_TOKEN = 'lineage';

/** The default subject of a workflow's OpenLineage events: `<prefix>.lineage.<slug>`. */
export function lineageSubject(prefix: string, slug: string): string {
  return `${prefix}.${LINEAGE_TOKEN}.${slug}`;
}

/**
 * True for a subject under `<prefix>.lineage.`: OpenLineage RunEvents the lineage emitter publishes into
 * `<PREFIX>_EVENTS`. They are not domain envelopes; every reader of the stream passes over them.
 */
export function isLineageSubject(prefix: string, subject: string): boolean {
  return subject.startsWith(`${prefix}.${LINEAGE_TOKEN}.`);
}

/** Room for a lineage message's headers (`Nats-Msg-Id`, `Content-Type`) and protocol line. */
const LINEAGE_HEADER_ROOM_BYTES = 512;

/** One message for the NATS transport: the OpenLineage JSON exactly as it is sent everywhere. */
export interface LineageMessage {
  subject: string;
  body: string;
  /** `Nats-Msg-Id`: derived from the body, so a re-publish inside the duplicate window is dropped by the server. */
  msgId: string;
}

/**
 * The lineage emitter's port to JetStream (only src/events imports the NATS client): publishes OpenLineage JSON to
 * subjects captured by a stream (`<PREFIX>_EVENTS` for the default subjects). Publishes go out together; every one
 * is settled before the first failure, if any, is thrown (the caller retries the whole batch).
 */
export class LineagePublisher {
  constructor(private readonly nats: NatsContext) {}

  get prefix(): string {
    return this.nats.subjects.prefix;
  }

  /** The largest message the server takes (`max_payload`, re-read on every reconnect), headers included. */
  get maxMessageBytes(): number {
    return this.nats.nc.info?.max_payload ?? this.nats.maxPayload;
  }

  /** What the server counts against `max_payload` for one message: its body plus room for its headers. */
  messageBytes(message: LineageMessage): number {
    return Buffer.byteLength(message.body, 'utf8') + LINEAGE_HEADER_ROOM_BYTES;
  }

  async publish(messages: readonly LineageMessage[], timeoutMs = 5000): Promise<void> {
    const pending = messages.map((message) => {
      const h = natsHeaders();
      h.set('Content-Type', 'application/json');
      return this.nats.js.publish(message.subject, message.body, {
        msgID: message.msgId,
        headers: h,
        timeout: timeoutMs,
      });
    });
    const results = await Promise.allSettled(pending);
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
