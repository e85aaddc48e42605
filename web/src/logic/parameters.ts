import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/** Run parameters as the server builds them (DESIGN §7): objects merge key by key, anything else replaces. */
export function mergeLayers(...layers: unknown[]): Record<string, unknown> {
  const merged = layers.reduce<unknown>((acc, layer) => deepMerge(acc, layer), {});
  return isPlainObject(merged) ? merged : {};
}

function deepMerge(base: unknown, overlay: unknown): unknown {
  if (overlay === undefined) return base;
  if (isPlainObject(base) && isPlainObject(overlay)) {
    const merged: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(overlay)) merged[key] = deepMerge(merged[key], value);
    return merged;
  }
  return overlay;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export interface ParameterCheck {
  /** The parsed editor content when it is a JSON object. */
  parameters: Record<string, unknown> | null;
  /** Problems: JSON syntax, not an object, or parametersSchema violations (path + message). */
  problems: Array<{ path: string; message: string }>;
}

const ajv = new Ajv({ allErrors: true, strict: false });
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
 * Checks the Recompute editor's text the way the server will: parse, merge over the workflow's defaultParameters,
 * validate against its parametersSchema (when it has one).
 */
export function checkParameters(
  text: string,
  workflow: { defaultParameters?: unknown; parametersSchema?: unknown },
): ParameterCheck {
  let parsed: unknown;
  try {
    parsed = text.trim() === '' ? {} : JSON.parse(text);
  } catch (error) {
    return { parameters: null, problems: [{ path: '', message: `Not valid JSON: ${(error as Error).message}` }] };
  }
  if (!isPlainObject(parsed))
    return { parameters: null, problems: [{ path: '', message: 'Parameters must be a JSON object' }] };
  if (!isPlainObject(workflow.parametersSchema)) return { parameters: parsed, problems: [] };
  const validate = validatorFor(workflow.parametersSchema);
  if (validate instanceof Error) return { parameters: parsed, problems: [] };
  const merged = mergeLayers(workflow.defaultParameters, parsed);
  if (validate(merged)) return { parameters: parsed, problems: [] };
  return {
    parameters: parsed,
    problems: (validate.errors ?? []).map((error) => ({
      path: `/parameters${error.instancePath}`,
      message:
        error.keyword === 'required'
          ? `must have property "${(error.params as { missingProperty: string }).missingProperty}"`
          : (error.message ?? 'is invalid'),
    })),
  };
}
