import type { Kysely } from 'kysely';
import type { Database } from '../../projections/database.js';
import type { EventEnvelope, StoredEvent } from '../../src/events/envelope.js';
import type { ManagerDefinition, ManagerEffect } from '../../src/process-manager/manager-definition.js';
import { ManagerKernel, type ManagerStore } from '../../src/process-manager/manager-kernel.js';
import { MemoryLog } from './memory-log.js';

/** What one batch did: the events the kernel appended (new to the stream) and the calls it carried out. */
export interface BatchOutcome<Command> {
  appended: StoredEvent[];
  calls: Command[];
}

/** Where a spec's manager keeps its rows: a store of the shipped shape, in memory. */
export type MemoryStore<State, Reads, Loaded, Parts> = ManagerStore<State, Reads, Loaded, Parts>;

/** An envelope with the subject it is stored on (how specs hand events to the stream). */
export type EnvelopeOn = EventEnvelope & { subject: string; seq?: number };

const NO_DB = null as unknown as Kysely<Database>;

/**
 * A process manager exactly as it ships (its definition run by `ManagerKernel`: load round, `decideBatch`, change
 * tracker, effect runner), over an in-memory stream (`MemoryLog`) and a store in memory; batches are handed to it as
 * the consumer runner would, and written back on demand (`write`).
 */
export class KernelWorld<State, Reads, Loaded, Command, Parts> {
  readonly kernel: ManagerKernel<State, Reads, Loaded, Command, Parts>;
  position = 0;
  /** Every call carried out, over this world's life. */
  readonly calls: Command[] = [];
  private batchCalls: Command[] = [];
  /** The position of the last write-back (what a restart resumes from). */
  written = 0;

  constructor(
    definition: ManagerDefinition<State, Reads, Loaded, Command, Parts>,
    readonly store: MemoryStore<State, Reads, Loaded, Parts>,
    readonly log: MemoryLog = new MemoryLog(),
    private readonly execute?: (command: Command) => ManagerEffect<Command>[] | void,
  ) {
    this.kernel = new ManagerKernel(definition, store, {
      log,
      execute: async (command) => {
        this.calls.push(command);
        this.batchCalls.push(command);
        return execute?.(command);
      },
    });
  }

  /** Hydrates the manager (a new process taking the lease). */
  async start(position = 0): Promise<this> {
    await this.kernel.hydrate(NO_DB, NO_DB);
    this.position = position;
    this.written = position;
    return this;
  }

  /**
   * A new process on the same stream and store, hydrated from the last write-back: after a graceful stop (write
   * first) or a crash (whatever was decided since the last write is replayed).
   */
  async restart(): Promise<KernelWorld<State, Reads, Loaded, Command, Parts>> {
    const next = new KernelWorld(this.kernel.definition, this.store, this.log, this.execute);
    next.calls.push(...this.calls);
    return next.start(this.written);
  }

  get state(): State {
    return this.kernel.state;
  }

  /** Stores events as other writers would (a known id is dropped). */
  add(...events: EnvelopeOn[]): StoredEvent[] {
    return events.flatMap((event) => this.log.put(event.subject, event) ?? []);
  }

  /** Hands the manager the next batch (everything after its position, or at most `max` events). */
  async step(max = Number.MAX_SAFE_INTEGER): Promise<BatchOutcome<Command> | null> {
    const batch = this.log.events.filter((event) => event.seq > this.position).slice(0, max);
    if (batch.length === 0) return null;
    const outcome = await this.deliver(batch);
    this.position = batch[batch.length - 1]!.seq;
    return outcome;
  }

  /** Hands the manager a batch without moving its position (a redelivery). */
  async deliver(batch: readonly StoredEvent[]): Promise<BatchOutcome<Command>> {
    const before = this.log.appendedIds.length;
    this.batchCalls = [];
    await this.kernel.process(batch);
    const appended = this.log.appendedIds.slice(before).map((id) => this.log.get(id)!);
    return { appended, calls: this.batchCalls };
  }

  /** Batches until the manager has read everything, also what it appended itself. */
  async runUntilIdle(max?: number): Promise<Array<BatchOutcome<Command>>> {
    const outcomes: Array<BatchOutcome<Command>> = [];
    for (let outcome = await this.step(max); outcome; outcome = await this.step(max)) outcomes.push(outcome);
    return outcomes;
  }

  /** The lazy write-back, now: the changes go to the store and the position is the checkpoint. */
  async write(): Promise<number> {
    const write = this.kernel.takeChanges();
    if (write) await write(NO_DB as never);
    this.kernel.afterPersist();
    this.written = this.position;
    return this.position;
  }
}

/**
 * given(events).when(batch).then(appends, state) for a process manager (STYLE §10), over the kernel that ships:
 * `given` hands the history to the manager until it is idle, `when` stores the batch and hands it over as one batch.
 */
export function givenManager<State, Reads, Loaded, Command, Parts>(
  world: () => KernelWorld<State, Reads, Loaded, Command, Parts>,
  history: EnvelopeOn[],
) {
  const ready = (async () => {
    const started = await world().start();
    started.add(...history);
    await started.runUntilIdle();
    return started;
  })();
  return {
    world: ready,
    when(...batch: EnvelopeOn[]) {
      const outcome = ready.then(async (w) => {
        w.add(...batch);
        return { world: w, outcome: (await w.step()) ?? { appended: [], calls: [] } };
      });
      return {
        outcome,
        async then(expected: {
          appends?: string[];
          calls?: Command[];
          state?: (state: State) => void;
        }): Promise<BatchOutcome<Command>> {
          const { world: w, outcome: done } = await outcome;
          if (expected.appends) expect(done.appended.map((event) => event.type)).toEqual(expected.appends);
          if (expected.calls) expect(done.calls).toEqual(expected.calls);
          expected.state?.(w.state);
          return done;
        },
      };
    },
  };
}
