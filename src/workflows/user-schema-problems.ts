import { compileUserSchema } from './user-schema.js';
import type { ValidationProblem } from './validation-problem.js';

/** Why a user schema at `base` (a JSON pointer into the definition body) does not compile; empty when it does. */
export function userSchemaProblems(schema: Record<string, unknown>, base: string): ValidationProblem[] {
  const compilation = compileUserSchema(schema);
  if (compilation.ok) return [];
  return compilation.problems.map(({ path, message }) => ({ path: `${base}${path}`, message }));
}
