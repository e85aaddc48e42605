import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { sleep } from './lease.js';
import type { NatsContext } from './nats-context.js';
import { durableConsumerConfigs, ensureDurable } from './streams.js';
import { DependencyUnavailableError } from './transient-error.js';
import { pullOptions } from './pull-options.js';

/** One dispatch as a worker holds it; settle it exactly once (`ack`, `nak` or `term`). */
export interface JobDelivery<J> {
  job: J;
  /** How many times this dispatch was delivered (> 1 after a redelivery). */
  deliveries: number;
  /** Tells the server the worker is still busy (resets `ack_wait`). */
  working(): void;
  ack(): void;
  /** Gives the dispatch back for another worker (or this one) after `delayMs`. */
  nak(delayMs?: number): void;
  /** Gives the dispatch back because this worker stops: only a worker still pulling can take it (see `GIVE_BACK_MS`). */
  giveBack(): void;
  term(): void;
}

export interface JobSubscription {
  stop(): Promise<void>;
}

/** How long one pull request of a job consumer waits on the server. */
const PULL_EXPIRES_MS = 2000;
/**
 * A stopping worker gives its jobs back after this delay: a pull request it sent before stopping stays open on the
 * server until it expires, and a dispatch redelivered into it at once would be delivered to nobody and wait out
 * `ack_wait` (30 s) instead of going to the next worker.
 */
export const GIVE_BACK_MS = PULL_EXPIRES_MS + 1000;

/**
 * The job-queue port (DESIGN §3 Jobs): dispatches on `<prefix>_job.dispatch.<jobSlug>` in the work-queue stream
 * `<PREFIX>_JOBS` with `Nats-Msg-Id` `<runId>:<stepId>:<attempt>`, taken through the shared durable
 * `<prefix>-job-<jobSlug>` of each slug. Consumers survive NATS restarts by resubscribing.
 */
export class JobQueue {
  constructor(
    private readonly nats: NatsContext,
    private readonly log: Logger,
  ) {}

  /** Publishes a dispatch (a replay within the duplicate window is a no-op; workers check the attempt anyway). */
  async dispatch(jobSlug: string, msgId: string, body: unknown): Promise<void> {
    if (!this.nats.isConnected()) throw new DependencyUnavailableError('nats', 'NATS is not connected');
    await this.nats.publish(this.nats.subjects.jobDispatch(jobSlug), JSON.stringify(body), { msgID: msgId });
  }

  /** Creates the shared durable of a job slug when missing (external workers may do the same). */
  async ensureConsumer(jobSlug: string): Promise<void> {
    await ensureDurable(
      this.nats.jsm,
      this.nats.subjects.streams.jobs,
      durableConsumerConfigs(this.nats.subjects).job(jobSlug),
    );
  }

  /**
   * Takes dispatches of one job slug, at most `concurrency` at a time, until stopped. `handle` must settle the
   * delivery; a handler that throws gets its dispatch back after a second.
   */
  async consume<J>(
    jobSlug: string,
    concurrency: number,
    handle: (delivery: JobDelivery<J>) => Promise<void>,
  ): Promise<JobSubscription> {
    await this.ensureConsumer(jobSlug);
    let stopped = false;
    let messages: ConsumerMessages | undefined;
    const busy = new Set<Promise<void>>();
    const stopReconnect = this.nats.onReconnect(() => messages?.stop());
    const loop = (async () => {
      while (!stopped) {
        try {
          const consumer = await this.nats.js.consumers.get(
            this.nats.subjects.streams.jobs,
            this.nats.subjects.jobDurable(jobSlug),
          );
          messages = await consumer.consume(pullOptions(concurrency, PULL_EXPIRES_MS));
          for await (const message of messages) {
            if (stopped) {
              message.nak(GIVE_BACK_MS);
              break;
            }
            const work = this.run(message, handle).finally(() => busy.delete(work));
            busy.add(work);
            if (busy.size >= concurrency) await Promise.race(busy);
          }
        } catch (error) {
          if (stopped) break;
          this.log.warn({ err: error, jobSlug }, 'job consumer failed; resubscribing');
          await sleep(250);
        }
      }
    })();
    return {
      stop: async () => {
        stopped = true;
        stopReconnect();
        messages?.stop();
        await loop;
        await Promise.allSettled([...busy]);
      },
    };
  }

  private async run<J>(message: JsMsg, handle: (delivery: JobDelivery<J>) => Promise<void>): Promise<void> {
    let job: J;
    try {
      job = message.json<J>();
    } catch {
      message.term();
      return;
    }
    try {
      await handle({
        job,
        deliveries: message.info.deliveryCount,
        working: () => message.working(),
        ack: () => message.ack(),
        nak: (delayMs) => message.nak(delayMs),
        giveBack: () => message.nak(GIVE_BACK_MS),
        term: () => message.term(),
      });
    } catch (error) {
      this.log.warn({ err: error }, 'job handler failed; the dispatch will be redelivered');
      message.nak(1000);
    }
  }
}
