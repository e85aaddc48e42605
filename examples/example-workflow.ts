import type { JobHandler } from '../src/jobs/job-handler.js';
import type { WorkflowDefinitionInput, WorkflowStep } from '../src/workflows/workflow-definition.js';
import type { ExampleOutput } from './example-output.js';

/** A step as a client writes it: the fields the validator defaults (`type`, lists, `retries`) may be left out. */
export type ExampleStep = Omit<WorkflowStep, 'type' | 'dependsOn' | 'produces' | 'consumes' | 'retries'> &
  Partial<Pick<WorkflowStep, 'type' | 'dependsOn' | 'produces' | 'consumes' | 'retries'>>;

/**
 * An example workflow definition: a plain object, exactly the body a client would `POST /workflows`, valid for
 * `validateWorkflowDefinition` (strict: no unknown keys).
 */
export interface ExampleWorkflow extends Omit<WorkflowDefinitionInput, 'steps'> {
  steps: ExampleStep[];
}

/** An in-process job of an example: the slug its steps dispatch to and the handler, bound to the output root. */
export interface ExampleJob {
  jobSlug: string;
  create(output: ExampleOutput): JobHandler;
}
