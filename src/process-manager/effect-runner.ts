import { AppendOnce } from '../events/append-once.js';
import type { StoredEvent } from '../events/envelope.js';
import { ConcurrencyConflictError } from '../events/event-store.js';
import { settleAll } from '../events/settle-all.js';
import type { EventLog } from './event-log.js';
import type { ManagerDecision, ManagerEffect } from './manager-definition.js';
import { RecentIds } from './recent-ids.js';

/** How the effect runner reaches the outside world and hands fold-backs to the kernel. */
export interface EffectPorts<Command, Parts> {
  log: EventLog;
  /** Carries out a call; may return further effects (e.g. an event recording that the call was refused). */
  execute(command: Command): Promise<ManagerEffect<Command>[] | void>;
  /** The events of an `append-expected` were stored: fold them back (the kernel records the changes). */
  appended(stored: readonly StoredEvent[]): ManagerDecision<Command, Parts>;
  /** An `append-expected` lost its race (metrics). */
  onConflict?(): void;
}

const CARRIED_OUT_CAPACITY = 100_000;

/**
 * The one effect runner of every process manager: de-duplicated appends (`AppendOnce`, one per scope),
 * expected-sequence appends folded back with their follow-ups, and calls (once per process when they name a key).
 * Every effect of a stage is started together and settled before the next stage; the first failure is rethrown.
 */
export class EffectRunner<Command, Parts> {
  private readonly once = new Map<string, AppendOnce>();
  private readonly carriedOut = new RecentIds(CARRIED_OUT_CAPACITY);

  constructor(
    scopes: Readonly<Record<string, string>>,
    private readonly ports: EffectPorts<Command, Parts>,
  ) {
    for (const [scope, filter] of Object.entries(scopes)) this.once.set(scope, new AppendOnce(ports.log, filter));
  }

  /** After a recovery: the stream may hold effects this process did not see itself. */
  reset(): void {
    for (const once of this.once.values()) once.reset();
    this.carriedOut.clear();
  }

  async run(effects: readonly ManagerEffect<Command>[], batch: readonly StoredEvent[]): Promise<void> {
    if (effects.length === 0) return;
    for (const once of this.once.values()) await once.prepare(batch);
    const stages = new Map<number, ManagerEffect<Command>[]>();
    for (const effect of effects) {
      const stage = effect.stage ?? 0;
      stages.set(stage, [...(stages.get(stage) ?? []), effect]);
    }
    for (const stage of [...stages.keys()].sort((a, b) => a - b))
      await settleAll(stages.get(stage)!.map((effect) => () => this.carryOut(effect)));
  }

  private async carryOut(effect: ManagerEffect<Command>): Promise<void> {
    switch (effect.kind) {
      case 'append': {
        const once = this.once.get(effect.scope);
        if (!once) throw new Error(`no append scope ${effect.scope}`);
        await once.append(effect.subject, effect.envelope);
        return;
      }
      case 'append-expected':
        return this.appendExpected(effect);
      case 'call': {
        if (effect.onceKey !== undefined && this.carriedOut.has(effect.onceKey)) return;
        const further = await this.ports.execute(effect.command);
        if (further) await this.all(further);
        if (effect.onceKey !== undefined) this.carriedOut.add(effect.onceKey);
        return;
      }
    }
  }

  private async appendExpected(effect: Extract<ManagerEffect<Command>, { kind: 'append-expected' }>): Promise<void> {
    const { subject, envelopes, expectedLastSeq } = effect;
    let seqs: number[];
    try {
      ({ seqs } = await this.ports.log.append(subject, envelopes, { expectedLastSeq }));
    } catch (error) {
      if (!(error instanceof ConcurrencyConflictError)) throw error;
      this.ports.onConflict?.();
      return;
    }
    const stored = envelopes.map((envelope, index) => ({ ...envelope, seq: seqs[index]!, subject }) as StoredEvent);
    await this.all(this.ports.appended(stored).effects);
  }

  private async all(effects: readonly ManagerEffect<Command>[]): Promise<void> {
    await settleAll(effects.map((effect) => () => this.carryOut(effect)));
  }
}
