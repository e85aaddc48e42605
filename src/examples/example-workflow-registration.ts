import { DomainError } from '../domain/domain-error.js';
import type { WorkflowCommandService } from '../workflows/workflow-command.service.js';

/** What loading one example workflow did. */
export type ExampleRegistrationOutcome = 'registered' | 'registered-elsewhere' | 'updated' | 'unchanged';

/** One example workflow as loaded: slug, outcome and the version it is at. */
export interface ExampleRegistration {
  slug: string;
  outcome: ExampleRegistrationOutcome;
  version: number | null;
}

/** The part of `WorkflowCommandService` the registration uses. */
export type WorkflowWriter = Pick<WorkflowCommandService, 'load' | 'register' | 'update'>;

const ACTOR = 'system';

/**
 * Makes the stored definition of one example equal to the shipped one: registers it when missing, replaces it
 * (without If-Match) when it differs, and leaves it alone when equal (an identical update appends nothing).
 * Safe when several instances boot at once: a `workflow_exists` from a concurrent registration means another
 * instance registered it, and a concurrent update is retried once by `update` and is then a no-op.
 */
export async function registerExampleWorkflow(
  workflows: WorkflowWriter,
  definition: { slug: string },
  requestId: string,
): Promise<ExampleRegistration> {
  const { slug } = definition;
  const current = await workflows.load(slug);
  if (!current) {
    try {
      const written = await workflows.register(definition, ACTOR, requestId);
      return { slug, outcome: 'registered', version: written.workflow.version };
    } catch (error) {
      if (error instanceof DomainError && error.code === 'workflow_exists')
        return { slug, outcome: 'registered-elsewhere', version: null };
      throw error;
    }
  }
  const written = await workflows.update(slug, definition, undefined, ACTOR, requestId);
  const outcome = written.workflow.version === current.workflow.version ? 'unchanged' : 'updated';
  return { slug, outcome, version: written.workflow.version };
}

/** Registers the examples one after the other (producers first, as listed). */
export async function registerExampleWorkflows(
  workflows: WorkflowWriter,
  definitions: readonly { slug: string }[],
  requestId: string,
): Promise<ExampleRegistration[]> {
  const loaded: ExampleRegistration[] = [];
  for (const definition of definitions) loaded.push(await registerExampleWorkflow(workflows, definition, requestId));
  return loaded;
}
