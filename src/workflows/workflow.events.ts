import type { EventSchema } from '../events/event-schemas.js';
import type { WorkflowDefinition } from './workflow-definition.js';

/**
 * `workflow.definition.updated` — a definition was registered (version 1) or replaced (version + 1). Emitted by
 * the workflow command service on `<prefix>.workflow.definition.updated.<slug>`; carries the full definition.
 */
export interface WorkflowDefinitionUpdated {
  workflow: WorkflowDefinition;
}

export type WorkflowEvent = { type: 'workflow.definition.updated'; data: WorkflowDefinitionUpdated };

export const workflowEventSchemas: EventSchema[] = [
  {
    type: 'workflow.definition.updated',
    schemaVersion: 1,
    data: {
      type: 'object',
      required: ['workflow'],
      additionalProperties: false,
      properties: {
        workflow: {
          type: 'object',
          required: ['id', 'slug', 'name', 'version', 'steps', 'createdAt', 'updatedAt'],
          properties: {
            id: { type: 'string', minLength: 1 },
            slug: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' },
            name: { type: 'string' },
            version: { type: 'integer', minimum: 1 },
            steps: { type: 'array', minItems: 1 },
            createdAt: { type: 'string', format: 'date-time' },
            updatedAt: { type: 'string', format: 'date-time' },
          },
        },
      },
    },
  },
];
