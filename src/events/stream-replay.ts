import { DeliverPolicy, type ConsumerMessages } from '@nats-io/jetstream';
import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../projections/database.js';
import { loadCheckpoint } from './consumer-store/index.js';
import type { BatchHandler } from './consumer-runner.js';
import type { EventStore } from './event-store.js';
import { sleep } from './lease.js';
import { messageBatches } from './message-batches.js';
import type { NatsContext } from './nats-context.js';
import { applyProjectionBatch, decodeMessages, type Decoded } from './projection-batches.js';
import { isTransientError } from './transient-error.js';
import { pullOptions } from './pull-options.js';

export interface ReplayOptions {
  nats: NatsContext;
  store: EventStore;
  db: Kysely<Database>;
  log: Logger;
  handler: BatchHandler;
  /** Runs first in every transaction (points unqualified names at the shadow tables). */
  prepare: (tx: Transaction<Database>) => Promise<void>;
  batchSize?: number;
}

const TRANSIENT_RETRIES = 8;

/**
 * Replays `<PREFIX>_EVENTS` into a handler up to an exact sequence: one ordered consumer, batches of thousands of
 * events, each applied in one transaction with the handler's checkpoint (so a replay interrupted at any point
 * resumes from its last commit). Invalid events and events a projection refuses go to the dead-letter table the
 * transaction sees, like the live runner does; infrastructure errors are retried, never dead-lettered.
 */
export class StreamReplay {
  constructor(private readonly options: ReplayOptions) {}

  /** When the stream was created: a rebuild resumes only on the stream it started on (not on a recreated one). */
  async streamCreated(): Promise<string> {
    const info = await this.options.nats.jsm.streams.info(this.options.nats.subjects.streams.events);
    return String(info.created);
  }

  /** The handler's checkpoint. */
  position(): Promise<number> {
    return loadCheckpoint(this.options.db, this.options.handler.name, this.options.prepare);
  }

  /**
   * Applies events up to `target` (never past it); stops early after a committed batch once `signal` aborts.
   * While one batch's transaction runs, the next batch is received and decoded (CPU here, Postgres there).
   */
  async replayTo(
    target: number,
    signal: AbortSignal,
    onBatch: (seq: number) => void = () => undefined,
  ): Promise<number> {
    let position = await this.position();
    const batchSize = this.options.batchSize ?? 5000;
    while (position < target && !signal.aborted) {
      const consumer = await this.options.nats.js.consumers.get(this.options.nats.subjects.streams.events, {
        filter_subjects: this.options.nats.subjects.allEvents,
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: position + 1,
      });
      let messages: ConsumerMessages | undefined;
      const stop = () => messages?.stop();
      signal.addEventListener('abort', stop, { once: true });
      // The batch in flight, settled into a value (never a rejected promise left waiting).
      let inFlight: Promise<{ position: number } | { error: unknown }> | null = null;
      let queued = position;
      const settle = async () => {
        if (!inFlight) return;
        const outcome = await inFlight;
        inFlight = null;
        if ('error' in outcome) throw outcome.error;
        position = outcome.position;
        onBatch(position);
      };
      try {
        while (queued < target && !signal.aborted) {
          messages = await consumer.fetch(pullOptions(batchSize * 2, 2000));
          for await (const batch of messageBatches(messages, batchSize, 200)) {
            const wanted = batch.filter((message) => message.seq > queued && message.seq <= target);
            if (wanted.length > 0) {
              const decoded = decodeMessages(this.options.store, wanted);
              await settle();
              const previous = position;
              queued = wanted[wanted.length - 1]!.seq;
              inFlight = this.apply(decoded, previous, queued).then(
                (reached) => ({ position: reached }),
                (error: unknown) => ({ error }),
              );
            }
            if (queued >= target || signal.aborted) {
              messages.stop();
              break;
            }
          }
        }
        await settle();
      } finally {
        signal.removeEventListener('abort', stop);
        messages?.stop();
        await inFlight;
      }
    }
    return position;
  }

  private async apply(decoded: Decoded[], previous: number, lastSeq: number): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        const { db, log, handler, prepare } = this.options;
        await applyProjectionBatch({ db, log, target: handler, prepare }, decoded, previous, lastSeq);
        return lastSeq;
      } catch (error) {
        if (!isTransientError(error) || attempt >= TRANSIENT_RETRIES) throw error;
        this.options.log.warn({ err: error, attempt }, 'replay batch hit an infrastructure error; retrying');
        await sleep(Math.min(5000, 100 * 2 ** attempt));
      }
    }
  }
}
