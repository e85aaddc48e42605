import { lineageSubject, type LineagePublisher } from '../events/lineage-publisher.js';
import { lineageMessageId } from './lineage-ids.js';
import { LineageDeliveryStalledError, type LineageTransport, type RejectedLineageEvent } from './lineage-transport.js';
import type { EmittedLineageEvent } from './openlineage.types.js';

/**
 * The NATS transport: publishes the same JSON to `<prefix>.lineage.<slug>` in `<PREFIX>_EVENTS` (default), or to a
 * subject of the operator's choice (`OPENLINEAGE_NATS_SUBJECT`, `{slug}` replaced by the workflow slug) that a
 * JetStream stream captures. A publish is acknowledged by the stream or the batch is retried; the message id is
 * derived from the bytes, so a retry inside the duplicate window is stored once.
 */
export class NatsLineageTransport implements LineageTransport {
  readonly name = 'nats';

  constructor(
    private readonly publisher: LineagePublisher,
    /** Subject template; null = `<prefix>.lineage.{slug}`. */
    private readonly subjectTemplate: string | null,
  ) {}

  subjectFor(slug: string): string {
    if (this.subjectTemplate === null) return lineageSubject(this.publisher.prefix, slug);
    return this.subjectTemplate.split('{slug}').join(slug);
  }

  /**
   * An event above the server's `max_payload` can never be published, however often it is retried: it is refused
   * for good (dead-lettered with its size), never taken for an unavailable server that stalls the emitter.
   */
  async deliver(events: readonly EmittedLineageEvent[]): Promise<RejectedLineageEvent[]> {
    const limit = this.publisher.maxMessageBytes;
    const messages = [];
    const rejected: RejectedLineageEvent[] = [];
    for (const event of events) {
      const message = { subject: this.subjectFor(event.slug), body: event.body, msgId: lineageMessageId(event.body) };
      const size = this.publisher.messageBytes(message);
      if (size <= limit) messages.push(message);
      else
        rejected.push({ event, error: `payload_too_large: ${size} bytes, above the server's max_payload of ${limit}` });
    }
    try {
      await this.publisher.publish(messages);
    } catch (error) {
      throw new LineageDeliveryStalledError('nats', (error as Error)?.name ?? 'publish failed', { cause: error });
    }
    return rejected;
  }
}
