import { DomainError } from '../domain/domain-error.js';
import type { EventMetadata } from '../events/envelope.js';
import { ConcurrencyConflictError, type EventStore } from '../events/event-store.js';
import type { HolderState, RunIndex } from '../events/run-index.js';
import { isTerminal, toRunView, type RunState } from './run-state.js';
import type { RunStore } from './run-store.js';
import { runRequestedEnvelope, type RunRequestInput } from './run-requested-event.js';

export type { RunRequestInput } from './run-requested-event.js';

export interface RunRequestResult {
  state: RunState;
  seq: number;
  created: boolean;
}

/**
 * The one way a run comes to exist, for clients and for the materializer alike (DESIGN §3, §6, §7): its run key
 * is reserved, the run is registered in the run index, then `workflow.run.requested` is appended expecting the run's
 * subject to be empty — so a run id can never be requested twice, however late a duplicate arrives; asking again
 * for an existing (derived) id returns that run. Rule: no error raised after a successful append may surface as a
 * 5xx that says nothing was recorded, so every fallible step comes before the append.
 */
export class RunRequester {
  constructor(
    private readonly store: EventStore,
    private readonly index: RunIndex,
    private readonly runs: RunStore,
  ) {}

  async request(input: RunRequestInput, metadata: EventMetadata, now: string): Promise<RunRequestResult> {
    const { workflow, runId } = input;
    const reservation = input.runKey
      ? await this.index.reserveRunKey(workflow.slug, input.runKey, runId, (holder) =>
          this.holderState(workflow.slug, holder),
        )
      : null;
    if (reservation && !reservation.reserved) {
      const existing = await this.runs.current(workflow.slug, reservation.holder);
      throw new DomainError(
        'run_key_conflict',
        `An active run (${reservation.holder}) of "${workflow.slug}" already uses runKey "${input.runKey}".`,
        existing ? { run: toRunView(existing) } : { runId: reservation.holder },
      );
    }
    const envelope = runRequestedEnvelope(input, metadata, now);
    // The index entry (run id → workflow, for lookups by id) goes first: when it fails nothing was recorded and the
    // 503 says so truthfully. An entry whose append then fails names a run with no events (lookups answer 404).
    await this.index.register(runId, workflow.slug);
    let seqs: number[];
    try {
      ({ seqs } = await this.store.append(this.runs.subject(workflow.slug, runId), [envelope], {
        expectedLastSeq: 0,
      }));
    } catch (error) {
      if (!(error instanceof ConcurrencyConflictError)) throw error;
      const existing = await this.runs.load(workflow.slug, runId);
      if (!existing) throw error;
      return { state: existing, seq: existing.requestedSeq, created: false };
    }
    // The run is recorded: nothing after this point may fail (no error raised after a successful append may become
    // a 5xx that says nothing was recorded).
    const state = this.runs.remember({ ...envelope, seq: seqs[0]!, subject: this.runs.subject(workflow.slug, runId) });
    return { state, seq: seqs[0]!, created: true };
  }

  /** A run-key holder: active, ended, or without any event yet (its request may still be on its way). */
  private async holderState(slug: string, holder: string): Promise<HolderState> {
    const state = await this.runs.load(slug, holder);
    if (!state) return 'missing';
    return isTerminal(state) ? 'ended' : 'active';
  }
}
