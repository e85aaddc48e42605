import { RE2JS } from 're2js';
import { pointer, type ValidationProblem } from './validation-problem.js';

/** What ajv needs of a regular expression (`code.regExp`). */
interface RegExpLike {
  test(input: string): boolean;
}

function compileLinear(pattern: string): RE2JS {
  return RE2JS.compile(RE2JS.translateRegExp(pattern));
}

/**
 * ajv's `code.regExp`: user patterns run on RE2 (linear time in the input, whatever the pattern), so
 * `^(a+)+$` cannot freeze the process. Throws for a pattern RE2 cannot express (backreferences, lookaround);
 * `regexProblems` reports those with their paths before ajv gets there.
 */
export const linearRegExp = Object.assign(
  (pattern: string, flags: string): RegExpLike & { toString(): string } => {
    const compiled = compileLinear(pattern);
    return { test: (input: string) => compiled.test(input), toString: () => `/${pattern}/${flags}` };
  },
  // ajv names the function in generated code; it is only evaluated for standalone code, which we never emit.
  { code: 'linearRegExp' },
);

/** Keys whose values are data, not schemas: a `pattern` inside them is not a regular expression. */
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'examples']);
/** Keys whose values map names to subschemas: the names are not keywords. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependencies']);

function patternProblem(path: string, pattern: string): ValidationProblem[] {
  try {
    compileLinear(pattern);
    return [];
  } catch (error) {
    const reason = (error as Error).message ?? String(error);
    return [
      {
        path,
        message:
          `pattern ${JSON.stringify(pattern)} is not supported: user patterns run on a linear-time engine (RE2) ` +
          `without backreferences or lookaround (${reason})`,
      },
    ];
  }
}

function walk(node: unknown, path: string, problems: ValidationProblem[], depth: number): void {
  if (depth > 200 || node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    node.forEach((item, index) => walk(item, pointer(path, String(index)), problems, depth + 1));
    return;
  }
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    const at = pointer(path, key);
    if (DATA_KEYWORDS.has(key)) continue;
    if (key === 'pattern' && typeof value === 'string') problems.push(...patternProblem(at, value));
    else if (SCHEMA_MAPS.has(key) && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [name, subschema] of Object.entries(value as Record<string, unknown>)) {
        if (key === 'patternProperties') problems.push(...patternProblem(pointer(at, name), name));
        walk(subschema, pointer(at, name), problems, depth + 1);
      }
    } else walk(value, at, problems, depth + 1);
  }
}

/** Every `pattern` and `patternProperties` key of a user schema that the linear-time engine cannot compile. */
export function regexProblems(schema: unknown): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  walk(schema, '', problems, 0);
  return problems;
}
