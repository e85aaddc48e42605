import { DomainError } from '../domain/domain-error.js';
import type { NewEvent } from '../events/envelope.js';
import type { WorkflowDefinition, WorkflowDefinitionInput } from './workflow-definition.js';
import type { WorkflowDefinitionUpdated } from './workflow.events.js';

export type WorkflowCommand =
  | { type: 'RegisterWorkflow'; input: WorkflowDefinitionInput; workflowId: string; now: string }
  | { type: 'UpdateWorkflow'; input: WorkflowDefinitionInput; expectedVersion?: number; now: string };

/** The state of one workflow: its current definition, or null before registration. */
export type WorkflowState = WorkflowDefinition | null;

/** A workflow's fact as the decider folds it (each carries the whole definition). */
export type WorkflowEvent = NewEvent<'workflow.definition.updated', WorkflowDefinitionUpdated>;

export const initialWorkflowState: WorkflowState = null;

/** Folds a workflow's events: every `workflow.definition.updated` carries the whole definition, so the last wins. */
export function evolveWorkflow(_state: WorkflowState, event: WorkflowEvent): WorkflowDefinition {
  return event.data.workflow;
}

/**
 * Registering and replacing definitions. Pure: time and ids come in the command. An update identical to the
 * current definition changes nothing (idempotent PUT).
 */
export function decideWorkflow(command: WorkflowCommand, state: WorkflowState): WorkflowEvent[] {
  if (command.type === 'RegisterWorkflow') {
    if (state)
      throw new DomainError('workflow_exists', `A workflow with slug "${state.slug}" already exists.`, {
        slug: state.slug,
      });
    const workflow: WorkflowDefinition = {
      ...command.input,
      id: command.workflowId,
      version: 1,
      createdAt: command.now,
      updatedAt: command.now,
    };
    return [{ type: 'workflow.definition.updated', data: { workflow } }];
  }
  if (!state)
    throw new DomainError('workflow_not_found', `No workflow with slug "${command.input.slug}".`, {
      slug: command.input.slug,
    });
  if (command.expectedVersion !== undefined && command.expectedVersion !== state.version) {
    throw new DomainError(
      'version_conflict',
      `If-Match "${command.expectedVersion}" is stale: the workflow is at version ${state.version}.`,
      {
        currentVersion: state.version,
      },
    );
  }
  if (sameContent(state, command.input)) return [];
  const workflow: WorkflowDefinition = {
    ...command.input,
    id: state.id,
    version: state.version + 1,
    createdAt: state.createdAt,
    updatedAt: command.now,
  };
  return [{ type: 'workflow.definition.updated', data: { workflow } }];
}

function sameContent(state: WorkflowDefinition, input: WorkflowDefinitionInput): boolean {
  const { id: _id, version: _version, createdAt: _createdAt, updatedAt: _updatedAt, ...current } = state;
  return canonical(current) === canonical(input);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
