import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../projections/database.js';
import { insertDeadLetter } from '../events/checkpoint-store.js';
import type { BatchHandler } from '../events/consumer-runner.js';
import type { StoredEvent } from '../events/envelope.js';
import type { Metrics } from '../observability/metrics.js';
import { canonicalJson } from './canonical-json.js';
import { decideLineage, LINEAGE_INPUT_TYPES, runIdOf, type LineageContext } from './lineage.mapper.js';
import { emptyLineageState, type LineageState } from './lineage.state.js';
import { bumpGeneration, loadLineageState, saveLineageChanges, type LineageChanges } from './lineage.store.js';
import { LineageDeliveryStalledError, type LineageTransport, type RejectedLineageEvent } from './lineage-transport.js';
import type { EmittedLineageEvent } from './openlineage.types.js';

/** The consumer name: checkpoint row, lease key (`consumer.lineage`), dead letters, lag metric. */
export const LINEAGE_CONSUMER = 'lineage';

export interface LineageConsumerDeps {
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

/**
 * The OpenLineage emitter's shell (STYLE §6): a `BatchHandler` of `<PREFIX>_EVENTS` (the runner holds the lease and
 * the checkpoint). State lives in memory while the lease is held — hydrated from its tables whenever the batch
 * generation shows that memory is not what the last commit left — each batch is mapped whole by the pure mapping,
 * delivered (every transport acknowledges, or the batch is retried from the checkpoint), refused events are
 * dead-lettered, and the changed state rows are written in the checkpoint's transaction.
 */
export class LineageConsumer implements BatchHandler {
  readonly name: string;
  private state: LineageState | null = null;
  private generation = -1;
  /** A handle that did not finish leaves memory in an unknown state: the next one hydrates. */
  private suspect = true;
  /** Replay mode: the state as of the last commit, and the working copy of the batch in flight. */
  private committed: LineageState = emptyLineageState();
  private uncommitted: { tx: unknown; state: LineageState; emitted: EmittedLineageEvent[]; rejected: number } | null =
    null;
  private readonly abort = new AbortController();

  constructor(private readonly deps: LineageConsumerDeps) {
    this.name = deps.name ?? LINEAGE_CONSUMER;
  }

  /** Stops waiting for an unavailable receiver (shutdown); the batch in flight is retried by the next owner. */
  stop(): void {
    this.abort.abort();
  }

  async handle(events: readonly StoredEvent[], tx: Transaction<Database>): Promise<void> {
    const relevant = events.filter((event) => LINEAGE_INPUT_TYPES.has(event.type));
    if (relevant.length === 0) return;
    const state = await this.stateFor(tx);
    this.suspect = true;
    const changes: LineageChanges = { runIds: new Set(), slugs: new Set() };
    const emitted = relevant.flatMap((event) => this.map(state, event, changes));
    const rejected = await this.deliver(emitted);
    await this.deadLetter(tx, rejected);
    if (!this.deps.replay) await saveLineageChanges(tx, state, changes);
    this.suspect = false;
    const previous = this.uncommitted?.tx === tx ? this.uncommitted : null;
    this.uncommitted = {
      tx,
      state,
      emitted: [...(previous?.emitted ?? []), ...emitted],
      rejected: (previous?.rejected ?? 0) + rejected.length,
    };
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
   * Live: memory is current when the generation before this batch is the one this emitter wrote last and no handle
   * broke off since; otherwise the state is read back (another instance moved on, or a batch rolled back).
   * Replay: a working copy of the committed memory (a failed batch leaves `committed` untouched).
   */
  private async stateFor(tx: Transaction<Database>): Promise<LineageState> {
    if (this.deps.replay) {
      if (this.uncommitted?.tx === tx) return this.uncommitted.state;
      return structuredClone(this.committed);
    }
    const previous = await bumpGeneration(tx, this.name);
    if (this.state === null || this.suspect || previous !== this.generation) {
      this.deps.log.debug({ generation: previous }, 'lineage state hydrated');
      this.state = await loadLineageState(tx);
    }
    this.generation = previous + 1;
    return this.state;
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

  private async deliver(emitted: EmittedLineageEvent[]): Promise<RejectedLineageEvent[]> {
    if (emitted.length === 0) return [];
    const rejected: RejectedLineageEvent[] = [];
    for (const transport of this.deps.transports) {
      try {
        rejected.push(...(await transport.deliver(emitted, this.abort.signal)));
      } catch (error) {
        this.deps.metrics?.lineageDeliveryFailures.inc({ transport: transport.name, reason: 'unavailable' });
        this.deps.metrics?.lineageStalled.set(1);
        this.deps.log.warn(
          { err: error, transport: transport.name, from: emitted[0]!.seq, to: emitted.at(-1)!.seq },
          'OpenLineage receiver unavailable; the batch is retried from the checkpoint',
        );
        throw error instanceof LineageDeliveryStalledError
          ? error
          : new LineageDeliveryStalledError(transport.name, (error as Error)?.name ?? 'failed', { cause: error });
      }
    }
    this.deps.metrics?.lineageStalled.set(0);
    for (const { event } of rejected) {
      this.deps.metrics?.lineageDeliveryFailures.inc({ transport: 'http', reason: 'rejected' });
      this.deps.log.error({ seq: event.seq, eventType: event.eventType }, 'OpenLineage event refused; dead-lettered');
    }
    return rejected;
  }

  /** One dead-letter row per stream event: the refused RunEvents as a JSON array, exactly as they were sent. */
  private async deadLetter(tx: Transaction<Database>, rejected: RejectedLineageEvent[]): Promise<void> {
    if (this.deps.replay) {
      for (const item of rejected) this.deps.replay.onRejected?.(item);
      return;
    }
    const bySeq = new Map<number, RejectedLineageEvent[]>();
    for (const item of rejected) bySeq.set(item.event.seq, [...(bySeq.get(item.event.seq) ?? []), item]);
    for (const [seq, items] of bySeq) {
      const first = items[0]!.event;
      await insertDeadLetter(tx, {
        consumer: this.name,
        seq,
        subject: first.subject,
        eventId: first.sourceEventId,
        eventType: first.sourceType,
        error: new Error(items.map((item) => `${item.event.eventType}: ${item.error}`).join('; ')),
        body: `[${items.map((item) => item.event.body).join(',')}]`,
      });
    }
  }
}
