import { randomUUID } from 'node:crypto';
import type { StoredEvent } from '../../../src/events/envelope.js';
import type { WorkflowDefinition } from '../../../src/workflows/workflow-definition.js';
import type { WorkflowDefinitionUpdated } from '../../../src/workflows/workflow.events.js';

/** A valid workflow definition; overrides explicit. */
export function aWorkflow(overrides: Partial<WorkflowDefinition> = {}): WorkflowDefinition {
  const now = '2026-01-01T00:00:00.000Z';
  return {
    id: randomUUID(),
    slug: 'demo',
    name: 'Demo',
    version: 1,
    createdAt: now,
    updatedAt: now,
    steps: [
      {
        id: 'produce',
        type: 'job',
        jobSlug: 'demo-job',
        dependsOn: [],
        retries: 0,
        produces: [{ assetId: 'demo.out', freshness: { ttlMs: 60000 } }],
        consumes: [{ assetId: 'demo.in' }],
      },
    ],
    ...overrides,
  };
}

/** A stored `workflow.definition.updated` event at a stream sequence. */
export function aDefinitionUpdated(
  workflow: WorkflowDefinition,
  seq: number,
  prefix = 'apphub',
): StoredEvent<'workflow.definition.updated', WorkflowDefinitionUpdated> {
  return {
    id: randomUUID(),
    type: 'workflow.definition.updated',
    schemaVersion: 1,
    occurredAt: workflow.updatedAt,
    data: { workflow },
    metadata: { correlationId: 'test', causationId: null, actor: 'test' },
    seq,
    subject: `${prefix}.workflow.definition.updated.${workflow.slug}`,
  };
}
