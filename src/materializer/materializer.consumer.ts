import type { Logger } from 'pino';
import { DomainError } from '../domain/domain-error.js';
import { derivedEventId, toEnvelope, type StoredEvent } from '../events/envelope.js';
import type { EventStore } from '../events/event-store.js';
import { TimerQueue } from '../events/timer-queue.js';
import type { Metrics } from '../observability/metrics.js';
import type { ManagerEffect } from '../process-manager/manager-definition.js';
import { ManagerKernel } from '../process-manager/manager-kernel.js';
import type { RunRequester } from '../runs/run-requester.js';
import { materializerDefinition, type CausedCommand } from './materializer.definition.js';
import { MATERIALIZER_SUBJECT_TOKEN, type RunReconciled } from './materializer.events.js';
import { autoRunInput, MATERIALIZER_ACTOR, type AutoRunRequest } from './saga-output.js';
import type { MaterializerContext } from './saga-state.js';
import { MaterializerStore } from './state/materializer-tables.js';

export { MATERIALIZER_CONSUMER } from './materializer.definition.js';

export interface MaterializerDeps {
  store: EventStore;
  requester: Pick<RunRequester, 'request'>;
  timers: Pick<TimerQueue, 'arm'>;
  context: MaterializerContext;
  metrics: Metrics;
  log: Logger;
}

/**
 * The materializer (STYLE §6): the saga's definition run by the kernel, with its tables, the event store, and the
 * run requester and timer queue its calls reach. Decision outcomes are counted once their write committed.
 */
export function createMaterializer(deps: MaterializerDeps) {
  return new ManagerKernel(materializerDefinition(deps.store.subjects, deps.context), new MaterializerStore(), {
    log: deps.store,
    execute: (command: CausedCommand) => carryOut(deps, command),
    stages: deps.metrics.managerStageSeconds,
    afterPersist: (state) => {
      for (const outcome of state.written.splice(0)) deps.metrics.materializerDecisions.inc({ outcome });
    },
  });
}

/** Arms a timer (a new arm replaces a pending one) or requests a run (its id derived from the trigger). */
async function carryOut(deps: MaterializerDeps, { cause, command }: CausedCommand) {
  if (command.type === 'ArmTimer') {
    const key = TimerQueue.key(...command.keyParts);
    await deps.timers.arm(command.kind, key, command.dueAt, command.payload, new Date(cause.occurredAt));
    return;
  }
  return requestRun(deps, cause, command.request);
}

/** A run that cannot exist (another active run holds its key) releases its claim through the log. */
async function requestRun(
  deps: MaterializerDeps,
  cause: StoredEvent,
  request: AutoRunRequest,
): Promise<ManagerEffect<CausedCommand>[] | void> {
  const { workflow, runId, partitionKey } = request;
  const { input, metadata } = autoRunInput(request);
  try {
    await deps.requester.request(input, metadata, cause.occurredAt);
    return;
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    deps.log.warn({ err: error, runId, workflow: workflow.slug }, 'auto run refused');
    const data: RunReconciled = {
      workflowSlug: workflow.slug,
      partitionKey,
      runId,
      status: 'refused',
      detail: `${error.code}: ${error.message}`,
    };
    const type = 'materializer.run.reconciled';
    const envelope = toEnvelope(
      { id: derivedEventId(runId, type, data.status), type, data },
      { correlationId: cause.metadata.correlationId, causationId: cause.id, actor: MATERIALIZER_ACTOR },
      cause.occurredAt,
    );
    const subject = deps.store.subjects.materializer(workflow.slug, MATERIALIZER_SUBJECT_TOKEN[type]);
    return [{ kind: 'append', scope: 'materializer', subject, envelope }];
  }
}
