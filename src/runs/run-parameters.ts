import type { FieldProblem } from '../domain/domain-error.js';
import { boundProblems } from '../domain/bounded-lists.js';
import { toFieldProblems } from '../domain/field-problems.js';
import { mergeLayers } from './deep-merge.js';

/**
 * The parameters of a requested run (manual run, backfill) as the server checks and records them: the request's
 * `parameters` merged over the workflow's `defaultParameters` (DESIGN §7), and what is wrong with them against the
 * workflow's compiled `parametersSchema` (paths under `/parameters`). Pure and dependency-free, so the console's
 * Recompute editor runs this very module (web/src/logic/parameters.ts) instead of a copy.
 */
export function requestedRunParameters(
  workflow: { defaultParameters?: unknown },
  given: unknown,
): Record<string, unknown> {
  return mergeLayers(workflow.defaultParameters, given);
}

/** A compiled `parametersSchema` (an ajv validate function: its `errors` after a failed call). */
export interface ParametersValidator {
  (data: unknown): boolean;
  errors?: Parameters<typeof toFieldProblems>[0];
}

/** The field problems of merged parameters (none when they match), bounded as a 400 lists them. */
export function parameterProblems(validate: ParametersValidator, parameters: Record<string, unknown>): FieldProblem[] {
  return validate(parameters) ? [] : boundProblems(toFieldProblems(validate.errors, '/parameters'));
}
