import { randomUUID } from 'node:crypto';
import type { StoredEvent } from '../../../src/events/envelope.js';
import type { BackoffElapsed, RunReconciled } from '../../../src/materializer/materializer.events.js';
import type { AssetDeclaration, WorkflowDefinition, WorkflowStep } from '../../../src/workflows/workflow-definition.js';
import type { WorkflowDefinitionUpdated } from '../../../src/workflows/workflow.events.js';

let nextSeq = 100_000;

function envelope<D>(
  type: string,
  subject: string,
  data: D,
  occurredAt = '2025-01-01T00:00:00.000Z',
  id: string = randomUUID(),
): StoredEvent<string, D> {
  return {
    id,
    type,
    schemaVersion: 1,
    occurredAt,
    data,
    metadata: { correlationId: 'test', causationId: null, actor: 'test' },
    seq: nextSeq++,
    subject,
  };
}

/** A step with defaults filled in like the validator does. */
export function aStep(
  id: string,
  overrides: { produces?: AssetDeclaration[]; consumes?: Array<string | AssetDeclaration> } & Partial<
    Omit<WorkflowStep, 'produces' | 'consumes'>
  > = {},
): WorkflowStep {
  const { produces = [], consumes = [], ...rest } = overrides;
  return {
    id,
    type: 'job',
    jobSlug: 'external-job',
    dependsOn: [],
    retries: 0,
    ...rest,
    produces,
    consumes: consumes.map((c) => (typeof c === 'string' ? { assetId: c } : c)),
  };
}

/** A stored workflow definition (version 1). */
export function aWorkflow(
  slug: string,
  steps: WorkflowStep[],
  overrides: Partial<WorkflowDefinition> = {},
): WorkflowDefinition {
  return {
    slug,
    name: slug,
    steps,
    id: `${slug}-id`,
    version: 1,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

export function aWorkflowDefined(workflow: WorkflowDefinition): StoredEvent<string, WorkflowDefinitionUpdated> {
  return envelope('workflow.definition.updated', `apphub.workflow.definition.updated.${workflow.slug}`, { workflow });
}

/** A terminal run event (`workflow.run.<status>`) on the run's subject. */
export function aRunEnded(
  status: 'succeeded' | 'failed' | 'canceled',
  slug: string,
  runId: string,
  occurredAt = '2025-01-01T00:10:00.000Z',
  id?: string,
): StoredEvent {
  const data =
    status === 'succeeded'
      ? { completedAt: occurredAt }
      : status === 'failed'
        ? { completedAt: occurredAt, error: { message: 'boom', code: 'step_failed' } }
        : { completedAt: occurredAt, reason: null };
  return envelope(`workflow.run.${status}`, `apphub.run.${slug}.${runId}`, data, occurredAt, id);
}

export function aBackoffElapsed(
  data: BackoffElapsed,
  occurredAt = data.nextEligibleAt,
): StoredEvent<string, BackoffElapsed> {
  return envelope(
    'materializer.backoff.elapsed',
    `apphub.materializer.${data.workflowSlug}.backoff-elapsed`,
    data,
    occurredAt,
  );
}

export function aRunReconciled(
  data: RunReconciled,
  occurredAt = '2025-01-01T00:20:00.000Z',
): StoredEvent<string, RunReconciled> {
  return envelope(
    'materializer.run.reconciled',
    `apphub.materializer.${data.workflowSlug}.reconciled`,
    data,
    occurredAt,
  );
}
