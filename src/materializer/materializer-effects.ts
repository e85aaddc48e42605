import type { Logger } from 'pino';
import { DomainError } from '../domain/domain-error.js';
import { derivedEventId, toEnvelope, type EventMetadata, type StoredEvent } from '../events/envelope.js';
import type { EventStore } from '../events/event-store.js';
import type { RunCommandService } from '../runs/run-command.service.js';
import { TimerService } from '../timers/timer-service.js';
import { MATERIALIZER_SUBJECT_TOKEN, type RunReconciled } from './materializer.events.js';
import type { AutoRunRequest, DecisionEvent, MaterializerCommand, SagaOutput } from './saga-output.js';

/** Who the materializer is in run records and event metadata. */
export const MATERIALIZER_ACTOR = 'asset-materializer';
const CONCURRENCY = 32;

export interface MaterializerEffectsDeps {
  store: EventStore;
  commands: RunCommandService;
  timers: TimerService;
  log: Logger;
}

/**
 * Carries out what the saga decided for a batch, before its checkpoint commits: appends the decision events,
 * requests the runs, arms the timers. Every one is idempotent (derived ids, a run subject that must be empty,
 * timers that replace themselves), so a batch handled again after a crash changes nothing.
 */
export class MaterializerEffects {
  constructor(private readonly deps: MaterializerEffectsDeps) {}

  async carryOut(outputs: ReadonlyArray<{ cause: StoredEvent; output: SagaOutput }>): Promise<void> {
    const tasks: Array<() => Promise<unknown>> = [];
    // Run requests first: they are what a trigger waits for; decisions and timers follow in the same round.
    for (const { cause, output } of outputs)
      for (const command of output.commands) tasks.push(() => this.execute(cause, command));
    for (const { cause, output } of outputs)
      for (const decision of output.events) tasks.push(() => this.appendDecision(cause, decision));
    await inParallel(tasks, CONCURRENCY);
  }

  private metadata(cause: StoredEvent): EventMetadata {
    return { correlationId: cause.metadata.correlationId, causationId: cause.id, actor: MATERIALIZER_ACTOR };
  }

  private async appendDecision(cause: StoredEvent, decision: DecisionEvent): Promise<void> {
    const { store } = this.deps;
    const subject = store.subjects.materializer(decision.data.workflowSlug, MATERIALIZER_SUBJECT_TOKEN[decision.type]);
    await store.append(subject, [toEnvelope(decision, this.metadata(cause), decision.data.at)]);
  }

  private async execute(cause: StoredEvent, command: MaterializerCommand): Promise<void> {
    if (command.type === 'ArmTimer') {
      await this.deps.timers.arm(command.kind, TimerService.key(...command.keyParts), command.dueAt, command.payload);
      return;
    }
    await this.requestRun(cause, command.request);
  }

  private async requestRun(cause: StoredEvent, request: AutoRunRequest): Promise<void> {
    const { workflow, runId, partitionKey, parameters, runKey, priority, trigger } = request;
    try {
      await this.deps.commands.requestRun(
        { workflow, runId, partitionKey, parameters, runKey, triggeredBy: MATERIALIZER_ACTOR, trigger, priority },
        { correlationId: request.correlationId, causationId: request.causationId, actor: MATERIALIZER_ACTOR },
      );
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      // The run cannot exist (e.g. another active run holds the key): release the claim through the log.
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
    await store.append(
      store.subjects.materializer(data.workflowSlug, MATERIALIZER_SUBJECT_TOKEN['materializer.run.reconciled']),
      [envelope],
    );
  }
}

/** Runs the tasks with at most `limit` at a time; the first failure rejects (after the running ones settle). */
export async function inParallel(tasks: Array<() => Promise<unknown>>, limit: number): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < tasks.length && failure === undefined) {
      const task = tasks[next++]!;
      try {
        await task();
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  if (failure !== undefined) throw failure;
}
