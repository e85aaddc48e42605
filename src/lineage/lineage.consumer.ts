import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../projections/database.js';
import { CheckpointMovedError, insertDeadLetter } from '../events/consumer-store/index.js';
import type { BatchHandler, PoisonEvent } from '../events/consumer-runner.js';
import { deadLetterOf } from '../events/projection-batches.js';
import type { StoredEvent } from '../events/envelope.js';
import type { Metrics } from '../observability/metrics.js';
import { canonicalJson } from './canonical-json.js';
import { decideLineage, LINEAGE_INPUT_TYPES, runIdOf, type LineageContext } from './lineage.mapper.js';
import { emptyLineageState, type LineageState } from './lineage.state.js';
import {
  bumpGeneration,
  loadLineageSnapshot,
  readGeneration,
  saveLineageChanges,
  type LineageChanges,
} from './lineage.store.js';
import { deliverLineage, refusedDeadLetters } from './lineage-delivery.js';
import type { LineageTransport, RejectedLineageEvent } from './lineage-transport.js';
import type { EmittedLineageEvent } from './openlineage.types.js';

/** The consumer name: checkpoint row, lease key (`consumer.lineage`), dead letters, lag metric. */
export const LINEAGE_CONSUMER = 'lineage';

export interface LineageProjectionDeps {
  transports: readonly LineageTransport[];
  context: LineageContext;
  log: Logger;
  metrics?: Metrics;
  /** Default `lineage`. */
  name?: string;
  /**
   * Replay mode: state only in memory (rebuilt from the start of the stream, nothing written), events emitted only
   * for stream events in `[fromSeq, toSeq]`, refused events reported instead of dead-lettered.
   */
  replay?: { fromSeq: number; toSeq: number; onRejected?: (rejected: RejectedLineageEvent) => void };
}

/** What `prepare` made of a batch (mapped and delivered), for `handle` to write in the checkpoint's transaction. */
export interface LineageBatch {
  state: LineageState;
  changes: LineageChanges;
  emitted: EmittedLineageEvent[];
  rejected: RejectedLineageEvent[];
  /** Stream events the mapping failed on: dead-lettered, their run's state left as it was before them. */
  poison: PoisonEvent[];
  /** The generation the state was read at: the batch commits only if no other batch committed since. */
  generation: number;
  /** The transaction that wrote it (applied one event at a time, `handle` runs once per event in the same one). */
  writtenIn: Transaction<Database> | null;
}

/**
 * The OpenLineage emitter is a projection with effects, not a process manager (STYLE §5, §6): it appends nothing
 * to the stream and decides nothing another consumer reads; it maps run events to OpenLineage events and delivers
 * them to outside transports. So it runs as a `BatchHandler` of `<PREFIX>_EVENTS` (the runner holds the lease and
 * the checkpoint), not on the process-manager kernel. State lives in memory while the lease is held — hydrated from
 * its tables whenever the generation shows that memory is not what the last commit left. Each batch is mapped whole
 * by the pure mapping and delivered outside any transaction (`prepare`: every transport acknowledges, or the batch
 * is retried from the checkpoint); then one short transaction (`handle`) dead-letters refused events, writes the
 * changed state rows and moves the checkpoint. A crash between the two delivers the batch again (at least once;
 * receivers deduplicate).
 */
export class LineageProjection implements BatchHandler<LineageBatch | null> {
  readonly name: string;
  private state: LineageState | null = null;
  private generation = -1;
  /** A batch that did not finish leaves memory in an unknown state: the next one hydrates. */
  private suspect = true;
  /** Replay mode: the state as of the last commit (each batch maps a copy of it). */
  private committed: LineageState = emptyLineageState();
  private uncommitted: LineageBatch | null = null;
  private readonly abort = new AbortController();

  constructor(private readonly deps: LineageProjectionDeps) {
    this.name = deps.name ?? LINEAGE_CONSUMER;
  }

  /** Stops waiting for an unavailable receiver (shutdown); the batch in flight is retried by the next owner. */
  stop(): void {
    this.abort.abort();
  }

  /**
   * Maps the batch and delivers the RunEvents it causes, outside any transaction (an HTTP receiver's retries never
   * hold one open); throws while a transport is unavailable, so the batch is retried from the checkpoint.
   */
  async prepare(events: readonly StoredEvent[], db: Kysely<Database>): Promise<LineageBatch | null> {
    this.uncommitted = null;
    const relevant = events.filter((event) => LINEAGE_INPUT_TYPES.has(event.type));
    if (relevant.length === 0) return null;
    const batch = await this.mapBatch(relevant, db);
    const { transports, log, metrics } = this.deps;
    const context = { transports, log, signal: this.abort.signal, ...(metrics ? { metrics } : {}) };
    batch.rejected = await deliverLineage(context, batch.emitted);
    return batch;
  }

  /** Writes what `prepare` did, in the checkpoint's transaction (without it: prepares here, the old way). */
  async handle(
    events: readonly StoredEvent[],
    tx: Transaction<Database>,
    prepared?: LineageBatch | null,
  ): Promise<void> {
    const batch = prepared === undefined ? await this.prepare(events, tx) : prepared;
    if (!batch || batch.writtenIn === tx) return;
    if (!this.deps.replay) {
      const previous = await bumpGeneration(tx, this.name);
      if (previous !== batch.generation)
        throw new CheckpointMovedError(`${this.name}: another batch committed after this one was mapped`);
      this.generation = previous + 1;
      await saveLineageChanges(tx, batch.state, batch.changes);
    }
    await this.deadLetter(tx, batch);
    batch.writtenIn = tx;
    this.suspect = false;
    this.uncommitted = batch;
  }

  afterCommit(): void {
    const done = this.uncommitted;
    this.uncommitted = null;
    if (!done) return;
    if (this.deps.replay) this.committed = done.state;
    for (const transport of this.deps.transports) {
      for (const event of done.emitted) {
        this.deps.metrics?.lineageEventsEmitted.inc({ transport: transport.name, event_type: event.eventType });
      }
    }
  }

  /**
   * The whole batch at once; should the mapping fail, again from the committed state one event at a time, setting
   * aside the events that fail on their own (for the dead letters) — nothing has been delivered yet.
   */
  private async mapBatch(events: readonly StoredEvent[], db: Kysely<Database>): Promise<LineageBatch> {
    const batch = (state: LineageState, generation: number) => ({
      state,
      generation,
      changes: { runIds: new Set<string>(), slugs: new Set<string>() },
      emitted: [] as EmittedLineageEvent[],
      rejected: [],
      poison: [] as PoisonEvent[],
      writtenIn: null,
    });
    const first = await this.stateFor(db);
    this.suspect = true;
    try {
      const whole = batch(first.state, first.generation);
      whole.emitted = events.flatMap((event) => this.map(whole.state, event, whole.changes));
      return whole;
    } catch (error) {
      this.deps.log.warn({ err: error, from: events[0]!.seq }, 'lineage mapping failed; mapping one event at a time');
      const again = await this.stateFor(db);
      const single = batch(again.state, again.generation);
      for (const event of events) {
        const runId = event.type === 'workflow.definition.updated' ? null : runIdOf(event);
        const before = runId === null ? undefined : structuredClone(single.state.runs.get(runId));
        try {
          single.emitted.push(...this.map(single.state, event, single.changes));
        } catch (failure) {
          if (runId !== null && before) single.state.runs.set(runId, before);
          else if (runId !== null) single.state.runs.delete(runId);
          single.poison.push({ event, error: failure });
        }
      }
      return single;
    }
  }

  /**
   * Live: memory is current when the generation committed last is the one this emitter wrote and no batch broke off
   * since; otherwise the state is read back (another instance moved on, or a batch rolled back).
   * Replay: a working copy of the committed memory (a failed batch leaves `committed` untouched).
   */
  private async stateFor(db: Kysely<Database>): Promise<{ state: LineageState; generation: number }> {
    if (this.deps.replay) return { state: structuredClone(this.committed), generation: 0 };
    if (this.state && !this.suspect && (await readGeneration(db, this.name)) === this.generation)
      return { state: this.state, generation: this.generation };
    const snapshot = await loadLineageSnapshot(db, this.name);
    this.deps.log.debug({ generation: snapshot.generation }, 'lineage state hydrated');
    this.state = snapshot.state;
    this.generation = snapshot.generation;
    return snapshot;
  }

  private map(state: LineageState, event: StoredEvent, changes: LineageChanges): EmittedLineageEvent[] {
    if (event.type === 'workflow.definition.updated') {
      changes.slugs.add((event.data as { workflow: { slug: string } }).workflow.slug);
    } else {
      changes.runIds.add(runIdOf(event));
    }
    const before = state.runs.get(runIdOf(event));
    const runEvents = decideLineage(state, event, this.deps.context);
    const run = before ?? state.runs.get(runIdOf(event));
    const replay = this.deps.replay;
    if (!run || (replay && (event.seq < replay.fromSeq || event.seq > replay.toSeq))) return [];
    return runEvents.map((runEvent) => ({
      seq: event.seq,
      sourceEventId: event.id,
      sourceType: event.type,
      subject: event.subject,
      slug: run.slug,
      parentRunId: run.olRunId,
      eventType: runEvent.eventType,
      body: canonicalJson(runEvent),
    }));
  }

  /**
   * Events the mapping failed on, one row each; refused RunEvents, one row per stream event (replay mode reports
   * refusals instead).
   */
  private async deadLetter(tx: Transaction<Database>, batch: LineageBatch): Promise<void> {
    for (const { event, error } of batch.poison) {
      this.deps.log.error({ err: error, seq: event.seq, type: event.type }, 'poison event moved to dead letter');
      await insertDeadLetter(tx, deadLetterOf(this.name, event, error));
    }
    if (this.deps.replay) {
      for (const item of batch.rejected) this.deps.replay.onRejected?.(item);
      return;
    }
    for (const letter of refusedDeadLetters(this.name, batch.rejected)) await insertDeadLetter(tx, letter);
  }
}
