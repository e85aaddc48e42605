import type { ErrorObject } from 'ajv';
import type { FieldProblem } from './domain-error.js';

/**
 * Maps ajv errors to field problems whose path names the offending field (unknown keys included). Dependency-free:
 * the console shows a schema's problems with this same function (web/src/logic/parameters.ts).
 */
export function toFieldProblems(errors: ErrorObject[] | null | undefined, prefix = ''): FieldProblem[] {
  return (errors ?? []).map((error) => {
    if (error.keyword === 'additionalProperties') {
      const key = (error.params as { additionalProperty: string }).additionalProperty;
      return { path: `${prefix}${error.instancePath}/${key}`, message: `unknown property "${key}"` };
    }
    if (error.keyword === 'required') {
      const key = (error.params as { missingProperty: string }).missingProperty;
      return { path: `${prefix}${error.instancePath}/${key}`, message: `is required` };
    }
    return { path: `${prefix}${error.instancePath}`, message: error.message ?? 'is invalid' };
  });
}
