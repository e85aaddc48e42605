import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../projections/database.js';
import type { BatchHandler } from '../events/consumer-runner.js';
import type { StoredEvent } from '../events/envelope.js';
import type { Metrics } from '../observability/metrics.js';
import type { MaterializerEffects } from './materializer-effects.js';
import { MATERIALIZER_INPUT_TYPES, step } from './materializer.saga.js';
import type { SagaOutput } from './saga-output.js';
import type { MaterializerContext } from './saga-state.js';
import { GraphCache } from './state/graph-cache.js';
import { loadGraph, missedKeys, trackedState, type TrackedState } from './state/materializer-state.load.js';
import { loadRows } from './state/materializer-state.rows.js';
import { saveState } from './state/materializer-state.save.js';
import { changed, snapshotState } from './state/state-snapshot.js';
import {
  consumerKeys,
  isEmptyKeys,
  keysOfEvents,
  mergeKeys,
  runKeys,
  subtract,
  type StateKeys,
} from './state/state-keys.js';

/** The consumer name: checkpoint row, lease key (`consumer.materializer`) and `waitFor` name. */
export const MATERIALIZER_CONSUMER = 'materializer';
const MAX_PASSES = 6;

export interface MaterializerConsumerDeps {
  effects: MaterializerEffects;
  context: MaterializerContext;
  metrics: Metrics;
  log: Logger;
}

interface DecidedBatch {
  state: TrackedState;
  before: ReturnType<typeof snapshotState>;
  outputs: Array<{ cause: StoredEvent; output: SagaOutput }>;
}

/**
 * The saga's shell (STYLE §6): reads `<PREFIX>_EVENTS` in order from its checkpoint (the runner holds the lease),
 * loads the slice of its state tables the batch touches, decides every event with the pure saga, carries out the
 * decisions, and writes the state back in the transaction that stores the checkpoint. A lookup outside the loaded
 * slice loads the missing rows and decides the batch again from scratch, so decisions never see a partial state.
 */
export class MaterializerConsumer implements BatchHandler {
  readonly name = MATERIALIZER_CONSUMER;
  private readonly graph = new GraphCache();
  private uncounted: string[] = [];
  private countedTransaction: unknown;

  constructor(private readonly deps: MaterializerConsumerDeps) {}

  async handle(events: readonly StoredEvent[], tx: Transaction<Database>): Promise<void> {
    const relevant = events.filter((event) => MATERIALIZER_INPUT_TYPES.has(event.type));
    if (relevant.length === 0) return;
    this.graph.begin(tx, events[0]!.seq);
    if (tx !== this.countedTransaction) [this.uncounted, this.countedTransaction] = [[], tx];
    const { state, before, outputs } = await this.decideBatch(tx, relevant);
    // Independent (NATS vs this transaction's connection): the save waits for no publish, and a failure of either
    // rolls the batch back, after which the idempotent effects are simply carried out again.
    await settleAll([this.deps.effects.carryOut(outputs), saveState(tx, state, before)]);
    this.graph.stage(changed(state.workflows, before.workflows), changed(state.consumers, before.consumers));
    for (const { output } of outputs) for (const decision of output.events) this.uncounted.push(decision.data.outcome);
  }

  afterCommit(events: readonly StoredEvent[]): void {
    this.graph.commit(events.length > 0 ? events[events.length - 1]!.seq : 0);
    for (const outcome of this.uncounted.splice(0)) this.deps.metrics.materializerDecisions.inc({ outcome });
  }

  private async decideBatch(tx: Transaction<Database>, events: readonly StoredEvent[]): Promise<DecidedBatch> {
    const keys = keysOfEvents(events);
    for (let pass = 1; pass <= MAX_PASSES; pass++) {
      const state = await this.load(tx, keys, events);
      const before = snapshotState(state);
      const outputs = events.map((cause) => ({ cause, output: step(cause, state, this.deps.context) }));
      const missed = subtract(missedKeys(state), keys);
      if (isEmptyKeys(missed)) return { state, before, outputs };
      this.deps.log.debug({ pass, from: events[0]!.seq }, 'materializer state slice incomplete; loading more');
      mergeKeys(keys, missed);
    }
    throw new Error(`materializer state did not converge within ${MAX_PASSES} passes`);
  }

  /** The graph first (usually cached), then every row the batch is expected to touch; `keys` grows as guessed. */
  private async load(
    tx: Transaction<Database>,
    keys: StateKeys,
    events: readonly StoredEvent[],
  ): Promise<TrackedState> {
    const state = trackedState();
    await loadGraph(tx, keys, state, this.graph);
    const consumers = subtract(consumerKeys(state, events), keys);
    await loadGraph(tx, consumers, state, this.graph);
    mergeKeys(keys, consumers);
    await loadRows(tx, keys, state);
    const ending = subtract(runKeys(state, events), keys);
    if (!isEmptyKeys(ending)) {
      await loadGraph(tx, ending, state, this.graph);
      await loadRows(tx, ending, state);
      mergeKeys(keys, ending);
    }
    return state;
  }
}

/** Waits for all; then rethrows the first failure (none is left unobserved). */
async function settleAll(work: Array<Promise<unknown>>): Promise<void> {
  const results = await Promise.allSettled(work);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
}
