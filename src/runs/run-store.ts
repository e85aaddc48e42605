import { relayedAssets, relayedChecks } from '../assets/asset-relay.js';
import {
  derivedEventId,
  toEnvelope,
  type EventEnvelope,
  type EventMetadata,
  type NewEvent,
  type StoredEvent,
} from '../events/envelope.js';
import { encodedEventSize, EventTooLargeError } from '../events/event-size.js';
import { ConcurrencyConflictError, type EventStore } from '../events/event-store.js';
import { DomainError } from '../domain/domain-error.js';
import { evolveRun, type RunState } from './run-state.js';
import type { RunEvent, StepSucceeded } from './run.events.js';
import { decideRun, type RunCommand, type RunDecision } from './run.decider.js';

export interface RunCommandResult {
  state: RunState;
  decision: RunDecision;
  /** Stream sequences of the appended events (empty when nothing was appended). */
  seqs: number[];
}

const MAX_CACHED = 20_000;
/** Events of an uncached run read one direct get each before the rest is read through a consumer. */
const UNCACHED_DIRECT_READS = 16;

/**
 * Loads runs from their subject (with an in-process cache that is only trusted together with the subject's
 * expected-last-sequence), decides, and appends. A lost race re-reads the subject and decides again, so the
 * conflict never reaches a client (DESIGN §3).
 */
export class RunStore {
  private readonly cache = new Map<string, RunState>();

  constructor(private readonly store: EventStore) {}

  subject(slug: string, runId: string): string {
    return this.store.subjects.run(slug, runId);
  }

  /**
   * The run as stored: the cached state folded forward with what was appended after it (a few direct reads, e.g. the
   * executor's step events since this process requested the run), else the whole subject; null for an unknown run.
   * A run this process never saw is read with direct reads too when its subject is short (most are): no consumer is
   * created on the server, so a completion on any instance needs only the stream's leader, not the JetStream meta
   * leader (a consumer create waited out the meta group's election, or a dead node its consumer was placed on).
   */
  async load(slug: string, runId: string): Promise<RunState | null> {
    const cached = this.cache.get(runId);
    const events = await this.store.readTail(
      this.subject(slug, runId),
      cached?.lastSeq ?? 0,
      cached ? 4 : UNCACHED_DIRECT_READS,
    );
    let state: RunState | null = cached ?? null;
    for (const event of events) state = evolveRun(state, event as unknown as RunEvent & { seq: number });
    if (state) this.rememberState(state);
    return state;
  }

  /** The cached state (maybe behind), else a load. */
  async current(slug: string, runId: string): Promise<RunState | null> {
    return this.cache.get(runId) ?? (await this.load(slug, runId));
  }

  /** Caches a run from its stored `workflow.run.requested` event (just appended by this process). */
  remember(event: StoredEvent): RunState {
    const state = evolveRun(null, event as unknown as RunEvent & { seq: number })!;
    this.rememberState(state);
    return this.cache.get(state.request.runId) ?? state;
  }

  /** The cached state, if any (never a read). */
  cached(runId: string): RunState | undefined {
    return this.cache.get(runId);
  }

  /** Folds events seen on the stream into the cache (the executor sees every event in order). */
  observe(event: StoredEvent): void {
    const runId = event.subject.split('.').pop()!;
    const cached = this.cache.get(runId);
    if (event.type === 'workflow.run.requested' && !cached) {
      this.rememberState(evolveRun(null, event as unknown as RunEvent & { seq: number })!);
      return;
    }
    if (cached && event.seq > cached.lastSeq)
      this.rememberState(evolveRun(cached, event as unknown as RunEvent & { seq: number })!);
  }

  /** The workflow of a cached run (runs never change workflow). */
  cachedSlug(runId: string): string | undefined {
    return this.cache.get(runId)?.request.workflowSlug;
  }

  forget(runId: string): void {
    this.cache.delete(runId);
  }

  /**
   * Decides on the freshest state and appends. Rejections and no-op decisions are re-checked against the
   * subject's real last sequence before they are trusted.
   */
  async execute(
    slug: string,
    runId: string,
    command: RunCommand,
    metadata: EventMetadata,
    now: string,
    options: { verifyNoop?: boolean } = {},
  ): Promise<RunCommandResult> {
    let state = command.type === 'RequestRun' ? null : await this.current(slug, runId);
    for (let attempt = 0; attempt < 20; attempt++) {
      let decision: RunDecision;
      try {
        decision = decideRun(command, state);
      } catch (error) {
        if (error instanceof DomainError && (await this.isStale(slug, runId, state))) {
          state = await this.load(slug, runId);
          continue;
        }
        throw error;
      }
      if (decision.events.length === 0) {
        if (options.verifyNoop !== false && (await this.isStale(slug, runId, state))) {
          state = await this.load(slug, runId);
          continue;
        }
        return { state: state!, decision, seqs: [] };
      }
      try {
        const seqs = await this.append(slug, runId, decision.events, state, metadata, now);
        let next = state;
        decision.events.forEach((event, index) => {
          const stored = { ...toEnvelope(event, metadata, now), seq: seqs[index]!, subject: this.subject(slug, runId) };
          next = evolveRun(next, stored as unknown as RunEvent & { seq: number });
        });
        if (next) this.rememberState(next);
        return { state: next!, decision, seqs };
      } catch (error) {
        if (!(error instanceof ConcurrencyConflictError)) throw error;
        state = await this.load(slug, runId);
      }
    }
    throw new Error(`run ${runId}: too many concurrent writers`);
  }

  private async append(
    slug: string,
    runId: string,
    events: NewEvent[],
    state: RunState | null,
    metadata: EventMetadata,
    now: string,
  ): Promise<number[]> {
    const envelopes = events.map((event) =>
      toEnvelope({ ...event, id: event.id ?? derivedEventId(runId, event.type, now) }, metadata, now),
    );
    if (state) for (const envelope of envelopes) this.assertRelayFits(envelope, runId, state);
    const result = await this.store.append(this.subject(slug, runId), envelopes, {
      expectedLastSeq: state?.lastSeq ?? 0,
    });
    return result.seqs;
  }

  /**
   * A step's recorded assets become `asset.produced` (and `asset.check.evaluated`) events that also carry the run's parameters: each must fit the
   * server's `max_payload` too, or the completion is refused (413) before anything is appended — a 2xx completion
   * is never left with an asset that cannot be recorded.
   */
  private assertRelayFits(envelope: EventEnvelope, runId: string, state: RunState): void {
    if (envelope.type !== 'workflow.step.succeeded') return;
    const step = envelope as unknown as StoredEvent<string, StepSucceeded>;
    for (const relayed of [
      ...relayedChecks(step, runId, state.request),
      ...relayedAssets(step, runId, state.request),
    ]) {
      const size = encodedEventSize(relayed);
      if (size > this.store.maxEventBytes) throw new EventTooLargeError(relayed.type, size, this.store.maxEventBytes);
    }
  }

  private async isStale(slug: string, runId: string, state: RunState | null): Promise<boolean> {
    const last = await this.store.readLast(this.subject(slug, runId));
    return (last?.seq ?? 0) !== (state?.lastSeq ?? 0);
  }

  /**
   * Never moves a run backwards: a command that appended at sequence N may finish after the executor already
   * folded N+1 into the cache, and an older state would make the executor decide on a run that is behind.
   */
  private rememberState(state: RunState): void {
    const runId = state.request.runId;
    const cached = this.cache.get(runId);
    if (cached && cached.lastSeq > state.lastSeq) return;
    this.cache.delete(runId);
    this.cache.set(runId, state);
    if (this.cache.size > MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
  }
}
