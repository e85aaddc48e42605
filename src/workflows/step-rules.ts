import type { StepView } from './definition-view.js';
import { findDependencyCycles } from './dependency-cycles.js';
import { pointer, type ValidationProblem } from './validation-problem.js';

/** Step ids are unique within a workflow; the first use of an id wins, later ones are problems. */
function checkStepIds(steps: readonly StepView[]): ValidationProblem[] {
  const firstPath = new Map<string, string>();
  const problems: ValidationProblem[] = [];
  for (const step of steps) {
    if (step.id === undefined) continue;
    const first = firstPath.get(step.id);
    if (first === undefined) firstPath.set(step.id, step.path);
    else problems.push({ path: pointer(step.path, 'id'), message: `duplicate step id "${step.id}" (also ${first})` });
  }
  return problems;
}

/** A job step has a `jobSlug` and no `serviceUrl`; a service step the reverse. */
function checkStepKind(step: StepView): ValidationProblem[] {
  const at = (field: string, message: string) => [{ path: pointer(step.path, field), message }];
  if (step.type === undefined) {
    return step.hasJobSlug || step.hasServiceUrl
      ? []
      : [{ path: step.path, message: 'a step needs a jobSlug (job step) or a serviceUrl (service step)' }];
  }
  if (step.type === 'job') {
    if (!step.hasJobSlug) return at('jobSlug', 'is required for a job step');
    return step.hasServiceUrl ? at('serviceUrl', 'is not allowed on a job step (it runs jobSlug)') : [];
  }
  if (!step.hasServiceUrl) return at('serviceUrl', 'is required for a service step');
  return step.hasJobSlug ? at('jobSlug', 'is not allowed on a service step (it calls serviceUrl)') : [];
}

/** Each `dependsOn` entry names another existing step, at most once. */
function checkDependencyEntries(step: StepView, stepIds: ReadonlySet<string>): ValidationProblem[] {
  const seen = new Set<string>();
  const problems: ValidationProblem[] = [];
  for (const { path, stepId } of step.dependsOn) {
    if (stepId === step.id) problems.push({ path, message: 'a step cannot depend on itself' });
    else if (!stepIds.has(stepId)) problems.push({ path, message: `unknown step "${stepId}"` });
    else if (seen.has(stepId)) problems.push({ path, message: `"${stepId}" is listed more than once` });
    seen.add(stepId);
  }
  return problems;
}

/**
 * Rules about steps that JSON Schema cannot say: unique ids, job vs service fields, `dependsOn` references, and
 * that the dependencies form a DAG (a cycle is reported at the entry that closes it).
 */
export function checkSteps(steps: readonly StepView[]): ValidationProblem[] {
  const stepIds = new Set(steps.flatMap((step) => (step.id === undefined ? [] : [step.id])));
  return [
    ...checkStepIds(steps),
    ...steps.flatMap(checkStepKind),
    ...steps.flatMap((step) => checkDependencyEntries(step, stepIds)),
    ...findDependencyCycles(steps),
  ];
}
