import type { Logger } from 'pino';
import { DomainError } from '../domain/domain-error.js';
import { AppendOnce } from '../events/append-once.js';
import { derivedEventId, toEnvelope, type EventMetadata, type StoredEvent } from '../events/envelope.js';
import type { EventStore } from '../events/event-store.js';
import { TimerQueue } from '../events/timer-queue.js';
import { settleAll } from '../events/settle-all.js';
import type { RunRequester } from '../runs/run-requester.js';
import { MATERIALIZER_ACTOR } from './materializer-timers.js';
import { MATERIALIZER_SUBJECT_TOKEN, type RunReconciled } from './materializer.events.js';
import {
  autoRunInput,
  type AutoRunRequest,
  type DecisionEvent,
  type MaterializerCommand,
  type SagaOutput,
} from './saga-output.js';

export interface MaterializerEffectsDeps {
  store: EventStore;
  requester: RunRequester;
  timers: TimerQueue;
  log: Logger;
}

/**
 * Carries out what the saga decided for a batch: appends the decision events (at most once, whatever the outage),
 * requests the runs (their ids are derived from the trigger and their first event expects an empty subject), arms
 * the timers (a new arm replaces a pending one). All of a batch's effects start together and are all settled.
 */
export class MaterializerEffects {
  private readonly once: AppendOnce;

  constructor(private readonly deps: MaterializerEffectsDeps) {
    this.once = new AppendOnce(deps.store, deps.store.subjects.allMaterializer);
  }

  /** After a recovery the stream may hold effects this process did not see itself. */
  reset(): void {
    this.once.reset();
  }

  async carryOut(
    outputs: ReadonlyArray<{ cause: StoredEvent; output: SagaOutput }>,
    batch: readonly StoredEvent[],
  ): Promise<void> {
    if (outputs.every(({ output }) => output.events.length === 0 && output.commands.length === 0)) return;
    await this.once.prepare(batch);
    const tasks: Array<() => Promise<unknown>> = [];
    for (const { cause, output } of outputs) {
      for (const command of output.commands) tasks.push(() => this.execute(cause, command));
      for (const decision of output.events) tasks.push(() => this.appendDecision(cause, decision));
    }
    await settleAll(tasks);
  }

  private metadata(cause: StoredEvent): EventMetadata {
    return { correlationId: cause.metadata.correlationId, causationId: cause.id, actor: MATERIALIZER_ACTOR };
  }

  private async appendDecision(cause: StoredEvent, decision: DecisionEvent): Promise<void> {
    const { store } = this.deps;
    const subject = store.subjects.materializer(decision.data.workflowSlug, MATERIALIZER_SUBJECT_TOKEN[decision.type]);
    await this.once.append(subject, toEnvelope(decision, this.metadata(cause), decision.data.at));
  }

  private async execute(cause: StoredEvent, command: MaterializerCommand): Promise<void> {
    if (command.type === 'ArmTimer') {
      await this.deps.timers.arm(
        command.kind,
        TimerQueue.key(...command.keyParts),
        command.dueAt,
        command.payload,
        new Date(cause.occurredAt),
      );
      return;
    }
    await this.requestRun(cause, command.request);
  }

  private async requestRun(cause: StoredEvent, request: AutoRunRequest): Promise<void> {
    const { workflow, runId, partitionKey } = request;
    const { input, metadata } = autoRunInput(request);
    try {
      await this.deps.requester.request(input, metadata, cause.occurredAt);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      // The run cannot exist (another active run holds the key): release the claim through the log.
      this.deps.log.warn({ err: error, runId, workflow: workflow.slug }, 'auto run refused');
      await this.appendRefused(cause, {
        workflowSlug: workflow.slug,
        partitionKey,
        runId,
        status: 'refused',
        detail: `${error.code}: ${error.message}`,
      });
    }
  }

  private async appendRefused(cause: StoredEvent, data: RunReconciled): Promise<void> {
    const { store } = this.deps;
    const envelope = toEnvelope(
      {
        id: derivedEventId(data.runId, 'materializer.run.reconciled', data.status),
        type: 'materializer.run.reconciled',
        data,
      },
      this.metadata(cause),
      cause.occurredAt,
    );
    await this.once.append(
      store.subjects.materializer(data.workflowSlug, MATERIALIZER_SUBJECT_TOKEN['materializer.run.reconciled']),
      envelope,
    );
  }
}
