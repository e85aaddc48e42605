import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { isPlainObject } from '../../../src/runs/deep-merge.js';
import { parameterProblems, requestedRunParameters } from '../../../src/runs/run-parameters.js';

export interface ParameterCheck {
  /** The parsed editor content when it is a JSON object (what the console sends). */
  parameters: Record<string, unknown> | null;
  /** The parameters the run will get: the content merged over the workflow's defaultParameters. */
  merged: Record<string, unknown> | null;
  /** Problems: JSON syntax, not an object, or parametersSchema violations (path + message, as the server's 400). */
  problems: Array<{ path: string; message: string }>;
}

// The server's options for a user's schema (src/workflows/user-schema.ts), without its linear-time regex engine.
const ajv = new Ajv({ allErrors: true, strict: false, logger: false });
(addFormats as unknown as (instance: Ajv) => void)(ajv);
const compiled = new WeakMap<object, ValidateFunction | Error>();

function validatorFor(schema: Record<string, unknown>): ValidateFunction | Error {
  let validate = compiled.get(schema);
  if (!validate) {
    try {
      validate = ajv.compile(schema);
    } catch (error) {
      validate = error instanceof Error ? error : new Error(String(error));
    }
    compiled.set(schema, validate);
  }
  return validate;
}

/**
 * Checks the Recompute editor's text the way the server will, with the server's own rule
 * (src/runs/run-parameters.ts): parse, merge over the workflow's defaultParameters, validate against its
 * parametersSchema (when it has one), problems with the paths and messages of the server's 400.
 */
export function checkParameters(
  text: string,
  workflow: { defaultParameters?: unknown; parametersSchema?: unknown },
): ParameterCheck {
  let parsed: unknown;
  try {
    parsed = text.trim() === '' ? {} : JSON.parse(text);
  } catch (error) {
    const message = `Not valid JSON: ${(error as Error).message}`;
    return { parameters: null, merged: null, problems: [{ path: '', message }] };
  }
  if (!isPlainObject(parsed))
    return { parameters: null, merged: null, problems: [{ path: '', message: 'Parameters must be a JSON object' }] };
  const merged = requestedRunParameters(workflow, parsed);
  if (!isPlainObject(workflow.parametersSchema)) return { parameters: parsed, merged, problems: [] };
  const validate = validatorFor(workflow.parametersSchema);
  // The server answers 409 workflow_schema_invalid for a stored schema that does not compile; nothing to show here.
  if (validate instanceof Error) return { parameters: parsed, merged, problems: [] };
  return { parameters: parsed, merged, problems: parameterProblems(validate, merged) };
}
