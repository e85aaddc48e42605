import type { JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { StoredEvent } from './envelope.js';
import type { EventStore } from './event-store.js';
import type { ManagerWriter } from './manager-writer.js';
import { decodeMessages, validEvents } from './projection-batches.js';
import type { ProcessManager } from './stream-consumer.js';
import { isTransientError } from './transient-error.js';

/**
 * Hands a process manager its batches and keeps it from stopping for one bad event. Invalid messages and events
 * the manager reports as poison go to the dead letters with the next write. When a batch fails for a reason that is
 * not infrastructure, the runner recovers (state hydrated again, the batch replayed) and the batch is then decided
 * event by event; the event that fails alone is skipped and dead-lettered. An infrastructure error is only ever
 * retried: no event is skipped because of an outage.
 */
export class ManagerBatches {
  /** Events that failed on their own: skipped after the recovery, dead-lettered with the next write. */
  private readonly poisoned = new Map<number, unknown>();
  /** Up to this sequence batches are decided event by event. */
  private isolateUntil = 0;

  constructor(
    private readonly manager: ProcessManager,
    private readonly writer: ManagerWriter,
    private readonly store: EventStore,
    private readonly log: Logger,
  ) {}

  async process(messages: readonly JsMsg[]): Promise<void> {
    this.writer.throwFailure();
    const decoded = decodeMessages(this.store, messages);
    for (const item of decoded) {
      if (!('error' in item)) continue;
      this.log.error({ err: item.error, seq: item.seq }, 'invalid event moved to dead letter');
      this.writer.addPoison(item, item.error);
    }
    const events = validEvents(decoded).filter((event) => {
      const poison = this.poisoned.get(event.seq);
      if (poison === undefined) return true;
      this.poisoned.delete(event.seq);
      this.writer.addPoison(event, poison);
      return false;
    });
    const isolate = events.length > 0 && this.isolateUntil >= events[0]!.seq;
    for (const group of isolate ? events.map((event) => [event]) : [events]) {
      if (group.length === 0) continue;
      try {
        for (const poison of await this.manager.process(group)) {
          this.log.error({ err: poison.error, seq: poison.event.seq, type: poison.event.type }, 'poison event');
          this.writer.addPoison(poison.event, poison.error);
        }
      } catch (error) {
        if (!isTransientError(error)) this.notePoison(group, messages[messages.length - 1]!.seq, error);
        throw error;
      }
    }
  }

  private notePoison(group: readonly StoredEvent[], batchEnd: number, error: unknown): void {
    if (group.length === 1) {
      this.log.error({ err: error, seq: group[0]!.seq, type: group[0]!.type }, 'poison event: skipped after recovery');
      this.poisoned.set(group[0]!.seq, error);
      return;
    }
    this.isolateUntil = Math.max(this.isolateUntil, batchEnd);
  }
}
