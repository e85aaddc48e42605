import type { Kysely, RawBuilder, Transaction } from 'kysely';
import type { Database } from '../../projections/database.js';
import type { StoredEvent } from '../events/envelope.js';
import type { ManagerWrite, PoisonEvent, ProcessManager } from '../events/stream-consumer.js';
import { ChangeTracker } from './change-tracker.js';
import { EffectRunner } from './effect-runner.js';
import type { EventLog } from './event-log.js';
import type { ManagerChanges, ManagerDefinition, ManagerEffect } from './manager-definition.js';

/** A manager's own tables: hydrate when the lease is taken, the batch's load round, the write-back. */
export interface ManagerStore<State, Reads, Loaded, Parts> {
  /** The parts it writes back (every part a change may name). */
  parts: ReadonlyArray<keyof Parts>;
  hydrate(snapshot: Kysely<Database>): Promise<State>;
  load(db: Kysely<Database>, reads: Reads): Promise<Loaded>;
  save(tx: Transaction<Database>, changes: ManagerChanges<Parts>): Promise<void>;
  /**
   * The same write-back as data-modifying statements (each an insert, update or delete), when the store can give
   * them: the runner then writes them and the checkpoint in ONE statement. Must not change the store itself.
   */
  statements?(changes: ManagerChanges<Parts>): readonly RawBuilder<unknown>[];
}

/** The outside world a manager's effects reach. */
export interface ManagerOutside<Command, State = unknown> {
  log: EventLog;
  execute?(command: Command): Promise<ManagerEffect<Command>[] | void>;
  onConflict?(): void;
  /** After a write-back committed (metrics of what it wrote). */
  afterPersist?(state: State): void;
  /** Where a batch's time goes (`apphub_manager_stage_seconds`); see `ManagerStage`. */
  stages?: ManagerStages;
}

/**
 * A batch's stages: `waited` is per input event, stream timestamp → the batch began deciding (delivery, the
 * batches before it, event-loop delay); `load`, `decide` and `effects` are per batch.
 */
export type ManagerStage = 'waited' | 'load' | 'decide' | 'effects';

export interface ManagerStages {
  observe(labels: { manager: string; stage: ManagerStage }, seconds: number): void;
}

/**
 * Runs a process-manager definition (STYLE §6) under the consumer runner: hydrates its state from its store, and
 * for each batch makes one load round (the reads the definition declares), decides the batch purely, records the
 * changes in one tracker and carries out the effects with one runner (all settled); the changes are written back
 * lazily with the checkpoint (`takeChanges`). Every manager is this class with another definition.
 */
export class ManagerKernel<State, Reads, Loaded, Command, Parts> implements ProcessManager {
  readonly kind = 'process-manager' as const;
  private current: State | undefined;
  private db: Kysely<Database> | undefined;
  private readonly tracker: ChangeTracker<Parts>;
  private readonly effects: EffectRunner<Command, Parts>;

  constructor(
    readonly definition: ManagerDefinition<State, Reads, Loaded, Command, Parts>,
    private readonly store: ManagerStore<State, Reads, Loaded, Parts>,
    private readonly outside: ManagerOutside<Command, State>,
  ) {
    this.tracker = new ChangeTracker(store.parts);
    this.effects = new EffectRunner(definition.appendScopes, {
      log: outside.log,
      execute: async (command) => {
        if (!outside.execute) throw new Error(`${definition.name} has no port for calls`);
        return outside.execute(command);
      },
      appended: (stored) => {
        const decision = definition.onAppended?.(this.state, stored) ?? { effects: [], changes: [] };
        this.tracker.record(decision.changes);
        return decision;
      },
      onConflict: outside.onConflict,
    });
  }

  get name(): string {
    return this.definition.name;
  }

  get dirty(): boolean {
    return this.tracker.dirty;
  }

  /** The state in memory (tests and the operations view). */
  get state(): State {
    if (this.current === undefined) throw new Error(`${this.name} is not hydrated`);
    return this.current;
  }

  async hydrate(snapshot: Kysely<Database>, db: Kysely<Database>): Promise<void> {
    this.current = await this.store.hydrate(snapshot);
    this.db = db;
    this.tracker.clear();
    this.effects.reset();
  }

  async process(events: readonly StoredEvent[]): Promise<PoisonEvent[]> {
    const relevant = events.filter((event) => this.definition.inputTypes.has(event.type));
    if (relevant.length === 0) return [];
    const state = this.state;
    const began = performance.now();
    this.observeWaited(relevant);
    const loaded = await this.store.load(this.db!, this.definition.reads(state, relevant));
    const loadedAt = performance.now();
    const decision = this.definition.decideBatch(state, relevant, loaded);
    this.tracker.record(decision.changes);
    const decidedAt = performance.now();
    await this.effects.run(decision.effects, events);
    this.observe('load', loadedAt - began);
    this.observe('decide', decidedAt - loadedAt);
    if (decision.effects.length > 0) this.observe('effects', performance.now() - decidedAt);
    return [];
  }

  private observeWaited(events: readonly StoredEvent[]): void {
    if (!this.outside.stages) return;
    const now = Date.now();
    for (const event of events) if (event.storedAt !== undefined) this.observe('waited', now - event.storedAt);
  }

  private observe(stage: ManagerStage, ms: number): void {
    this.outside.stages?.observe({ manager: this.definition.name, stage }, Math.max(0, ms) / 1000);
  }

  takeChanges(): ManagerWrite | null {
    const changes = this.tracker.take();
    if (!changes) return null;
    if (this.current !== undefined) this.definition.onTake?.(this.current);
    const write: ManagerWrite = (tx) => this.store.save(tx, changes);
    const statements = this.store.statements?.(changes);
    return statements ? Object.assign(write, { statements }) : write;
  }

  afterPersist(): void {
    if (this.current === undefined) return;
    this.definition.afterPersist?.(this.current);
    this.outside.afterPersist?.(this.current);
  }
}
