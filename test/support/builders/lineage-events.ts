import { v5 as uuidv5 } from 'uuid';
import type { StoredEvent } from '../../../src/events/envelope.js';
import type { RecordedAsset, RunRequested, RunTrigger } from '../../../src/runs/run.events.js';
import type { WorkflowDefinition, WorkflowStep } from '../../../src/workflows/workflow-definition.js';

const NAMESPACE = '0d7c8a4e-2f61-4b7a-9c35-8e1f6a2b3c4d';
let nextSeq = 1;

/** A deterministic event id for a test fact. */
export const testEventId = (...parts: Array<string | number>) => uuidv5(parts.join('|'), NAMESPACE);

function stored<D>(type: string, subject: string, data: D, occurredAt: string, id: string): StoredEvent<string, D> {
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

export function aDefinitionEvent(workflow: WorkflowDefinition, prefix = 'apphub'): StoredEvent {
  return stored(
    'workflow.definition.updated',
    `${prefix}.workflow.definition.updated.${workflow.slug}`,
    { workflow },
    workflow.updatedAt,
    testEventId('definition', workflow.slug, workflow.version),
  );
}

export interface RunStoryOptions {
  slug: string;
  runId: string;
  steps: WorkflowStep[];
  partitionKey?: string | null;
  trigger?: RunTrigger;
  triggeredBy?: string | null;
  prefix?: string;
  requestedAt?: string;
}

/**
 * The events of one run, on its subject, as the run decider writes them (data shapes from run.events.ts); each call
 * builds the next event. Ids are derived from the run and the fact, so expected outputs can be computed.
 */
export function aRunStory(options: RunStoryOptions) {
  const { slug, runId, prefix = 'apphub' } = options;
  const subject = `${prefix}.run.${slug}.${runId}`;
  const event = <D>(type: string, data: D, at: string, ...parts: Array<string | number>) =>
    stored(type, subject, data, at, testEventId(runId, type, ...parts));
  return {
    subject,
    requested: (at = options.requestedAt ?? '2026-01-15T10:00:00.000Z') =>
      event<RunRequested>(
        'workflow.run.requested',
        {
          runId,
          workflowSlug: slug,
          workflowDefinitionId: `${slug}-id`,
          workflowVersion: 1,
          steps: options.steps,
          partitionKey: options.partitionKey ?? null,
          runKey: null,
          parameters: {},
          triggeredBy: options.triggeredBy ?? null,
          trigger: options.trigger ?? { type: 'manual' },
          priority: null,
          requestedAt: at,
        },
        at,
      ),
    started: (at = '2026-01-15T10:00:01.000Z') => event('workflow.run.started', { startedAt: at }, at),
    dispatched: (stepId: string, attempt = 1, at = '2026-01-15T10:00:02.000Z') =>
      event(
        'workflow.step.dispatched',
        {
          stepId,
          attempt,
          stepType: 'job',
          jobSlug: 'job',
          serviceUrl: null,
          parameters: {},
          partitionKey: options.partitionKey ?? null,
          timeoutMs: null,
          dispatchedAt: at,
        },
        at,
        stepId,
        attempt,
      ),
    succeeded: (stepId: string, assets: RecordedAsset[], attempt = 1, at = '2026-01-15T10:00:05.000Z') =>
      event('workflow.step.succeeded', { stepId, attempt, completedAt: at, assets, warnings: [] }, at, stepId, attempt),
    failed: (stepId: string, attempt = 1, at = '2026-01-15T10:00:05.000Z') =>
      event(
        'workflow.step.failed',
        { stepId, attempt, completedAt: at, error: { message: 'exit code 3', code: 'job_error' }, warnings: [] },
        at,
        stepId,
        attempt,
      ),
    runSucceeded: (at = '2026-01-15T10:00:06.000Z') => event('workflow.run.succeeded', { completedAt: at }, at),
    runFailed: (at = '2026-01-15T10:00:06.000Z') =>
      event(
        'workflow.run.failed',
        { completedAt: at, error: { message: 'step "load" failed', code: 'step_failed' } },
        at,
      ),
    runCanceled: (at = '2026-01-15T10:00:06.000Z') =>
      event('workflow.run.canceled', { completedAt: at, reason: 'operator' }, at),
  };
}

/** One asset as a succeeded step records it. */
export function aRecordedAsset(assetId: string, overrides: Partial<RecordedAsset> = {}): RecordedAsset {
  return {
    assetId,
    partitionKey: null,
    producedAt: '2026-01-15T10:00:04.000Z',
    payload: { rows: 1 },
    schema: null,
    freshness: null,
    ...overrides,
  };
}
