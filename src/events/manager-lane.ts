import type { JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { LeaseFence } from './consumer-store/index.js';
import { ManagerBatches } from './manager-batches.js';
import { ManagerWriter } from './manager-writer.js';
import type { ProcessManager, RunnerOptions } from './stream-consumer.js';

/** The runner never runs further than this many events ahead of what its manager has written. */
const MAX_UNWRITTEN_EVENTS = 20_000;

/** What the lane needs from its runner. */
export interface ManagerLaneHooks {
  /** Times one write (`persist` in `apphub_consumer_batch_seconds`). */
  timed: <T>(work: () => Promise<T>) => Promise<T>;
  /** A write failed: the runner stops its subscription and recovers. */
  onFailure: () => void;
  /** The runner's lease, checked by the statement that moves the checkpoint. */
  fence: () => LeaseFence | null;
}

/**
 * A process manager under the consumer runner: its batches decided in memory (`ManagerBatches`), its state and
 * checkpoint written lazily beside the batches that follow (`ManagerWriter`), written after a short pause too, and
 * never more than `MAX_UNWRITTEN_EVENTS` ahead of what is written. Projections have no lane: their batches commit
 * with their checkpoint.
 */
export class ManagerLane {
  private readonly writer: ManagerWriter;
  private readonly batches: ManagerBatches;
  private processing = false;

  constructor(
    manager: ProcessManager,
    private readonly options: RunnerOptions,
    log: Logger,
    hooks: ManagerLaneHooks,
  ) {
    this.writer = new ManagerWriter(manager, {
      db: options.db,
      everyMs: this.everyMs,
      timed: hooks.timed,
      onFailure: hooks.onFailure,
      fence: hooks.fence,
      ...(options.testFreeze ? { insideWrite: options.testFreeze.inside } : {}),
    });
    this.batches = new ManagerBatches(manager, this.writer, options.store, log);
  }

  private get everyMs(): number {
    return this.options.persistEveryMs ?? 50;
  }

  /** After a recovery: nothing pending, `checkpoint` is what is written. */
  reset(checkpoint: number): Promise<void> {
    return this.writer.reset(checkpoint);
  }

  /**
   * Decides and carries out one batch, tells the runner its new position (`decided`, before any write can start:
   * the idle write reads the position), then starts a write when one is due.
   */
  async process(messages: readonly JsMsg[], decided: (position: number) => void): Promise<void> {
    const position = messages[messages.length - 1]!.seq;
    this.processing = true;
    try {
      await this.batches.process(messages);
      decided(position);
    } finally {
      this.processing = false;
    }
    this.writer.start(position, this.writer.hasPoison);
    if (position - this.writer.persisted >= MAX_UNWRITTEN_EVENTS) await this.writer.settled();
  }

  /** While subscribed: writes what is held after a short pause too, so an idle manager's checkpoint catches up. */
  persistWhileIdle(position: () => number): () => void {
    const timer = setInterval(() => {
      if (!this.processing) this.writer.start(position());
    }, this.everyMs);
    return () => clearInterval(timer);
  }

  /** Rethrows a failed write (the runner then recovers from the last committed checkpoint). */
  throwFailure(): void {
    this.writer.throwFailure();
  }

  /**
   * At stop: a manager whose last batch went through (and still holds its lease) writes what it holds; otherwise
   * memory may hold part of a failed batch (it is hydrated again before the next one) and only the write already in
   * flight settles.
   */
  async finish(position: number, wentThrough: boolean): Promise<void> {
    if (wentThrough) await this.writer.flush(position).catch(() => undefined);
    else await this.writer.settled();
  }
}
