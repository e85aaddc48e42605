import { checkStepDeclarations } from './asset-declaration-rules.js';
import { validateDefinitionBody } from './definition-ajv.js';
import { isRecord, stepTypeOf, viewSteps } from './definition-view.js';
import { checkPartitionCompatibility } from './partition-compatibility.js';
import { schemaProblems } from './schema-problems.js';
import { checkSteps } from './step-rules.js';
import { userSchemaProblems } from './user-schema-problems.js';
import type { ValidationProblem } from './validation-problem.js';
import type { WorkflowDefinitionInput, WorkflowStep } from './workflow-definition.js';

export type { ValidationProblem } from './validation-problem.js';

/** The outcome of `validateWorkflowDefinition`: the normalized definition, or every problem found. */
export type DefinitionValidation =
  { ok: true; value: WorkflowDefinitionInput } | { ok: false; errors: ValidationProblem[] };

/** On a PUT the URL names the workflow: a body slug may be omitted (taken from the URL) or must equal it. */
function applyUrlSlug(body: unknown, slug: string | undefined): { body: unknown; problems: ValidationProblem[] } {
  if (slug === undefined || !isRecord(body)) return { body, problems: [] };
  if (body.slug === undefined) return { body: { ...body, slug }, problems: [] };
  if (body.slug === slug) return { body, problems: [] };
  return { body, problems: [{ path: '/slug', message: `must equal the slug in the URL ("${slug}")` }] };
}

function checkParametersSchema(body: unknown): ValidationProblem[] {
  if (!isRecord(body) || !isRecord(body.parametersSchema)) return [];
  return userSchemaProblems(body.parametersSchema, '/parametersSchema');
}

/** Every rule JSON Schema cannot say; each runs on whatever part of the body has the right shape. */
function semanticProblems(body: unknown): ValidationProblem[] {
  const steps = viewSteps(body);
  return [
    ...checkParametersSchema(body),
    ...checkSteps(steps),
    ...steps.flatMap(checkStepDeclarations),
    ...checkPartitionCompatibility(steps),
  ];
}

/** Fills the defaults of a valid step: `type` from `jobSlug`/`serviceUrl`, empty lists, no retries. */
function normalizeStep(step: WorkflowStep): WorkflowStep {
  const raw = step as Partial<WorkflowStep> & Pick<WorkflowStep, 'id'>;
  return {
    ...raw,
    type: stepTypeOf(raw as Record<string, unknown>) ?? 'job',
    dependsOn: raw.dependsOn ?? [],
    produces: raw.produces ?? [],
    consumes: raw.consumes ?? [],
    retries: raw.retries ?? 0,
  };
}

/**
 * Validates a workflow definition body (`POST /workflows`, `PUT /workflows/:slug` with `options.slug` from the
 * URL) against DESIGN §5: the strict JSON Schema first, then the semantic rules (job vs service, DAG, asset
 * declarations, compilable schemas, partitioning). Collects every problem, each with the JSON pointer of the
 * offending field. Pure: no IO, no clock. On success returns a normalized copy with defaults filled in.
 */
export function validateWorkflowDefinition(body: unknown, options: { slug?: string } = {}): DefinitionValidation {
  const withSlug = applyUrlSlug(body, options.slug);
  const structural = validateDefinitionBody(withSlug.body) ? [] : schemaProblems(validateDefinitionBody.errors ?? []);
  const errors = [...withSlug.problems, ...structural, ...semanticProblems(withSlug.body)];
  if (errors.length > 0) return { ok: false, errors };
  const value = structuredClone(withSlug.body) as WorkflowDefinitionInput;
  return { ok: true, value: { ...value, steps: value.steps.map(normalizeStep) } };
}
