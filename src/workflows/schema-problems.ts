import type { ErrorObject } from 'ajv';
import { ASSET_ID_PATTERN } from './asset-declaration.schema.js';
import { pointer, type ValidationProblem } from './validation-problem.js';
import { SERVICE_URL_PATTERN, SLUG_PATTERN, STEP_ID_PATTERN } from './workflow-definition.schema.js';

const SERVICE_URL_MESSAGE = 'must be an absolute http or https URL';

const PATTERN_MESSAGES: Record<string, string> = {
  [SLUG_PATTERN]: 'must contain only lower-case letters, digits, "-" and "_", starting with a letter or digit',
  [STEP_ID_PATTERN]: 'must contain only letters, digits, "-" and "_", starting with a letter or digit',
  [SERVICE_URL_PATTERN]: SERVICE_URL_MESSAGE,
  [ASSET_ID_PATTERN]:
    'must be dot-separated tokens of letters, digits, "_", ":" and "-", starting with a letter or digit ' +
    '(no empty tokens, wildcards or spaces)',
};

const FORMAT_MESSAGES: Record<string, string> = { uri: SERVICE_URL_MESSAGE };

const TYPE_NAMES: Record<string, string> = {
  object: 'an object',
  array: 'an array',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
};

type Params = Record<string, unknown>;
type Describe = (params: Params, error: ErrorObject) => string;

const plural = (n: unknown, word: string) => `${String(n)} ${word}${n === 1 ? '' : 's'}`;
const quoted = (values: unknown) => (values as unknown[]).map((v) => JSON.stringify(v)).join(', ');

const DESCRIBE: Record<string, Describe> = {
  type: (p) => `must be ${TYPE_NAMES[String(p.type)] ?? String(p.type)}`,
  required: (p) => `"${String(p.missingProperty)}" is required`,
  additionalProperties: (p) => `unknown property "${String(p.additionalProperty)}"`,
  minLength: (p) => (p.limit === 1 ? 'must not be empty' : `must be at least ${plural(p.limit, 'character')} long`),
  maxLength: (p) => `must be at most ${plural(p.limit, 'character')} long`,
  minimum: (p) => `must be at least ${String(p.limit)}`,
  maximum: (p) => `must be at most ${String(p.limit)}`,
  minItems: (p) => `must have at least ${plural(p.limit, 'item')}`,
  maxItems: (p) => `must have at most ${plural(p.limit, 'item')}`,
  minProperties: (_p, e) => `must specify at least one of ${Object.keys(propertiesOf(e)).join(', ')}`,
  enum: (p) => `must be one of ${quoted(p.allowedValues)}`,
  const: (p) => `must be ${JSON.stringify(p.allowedValue)}`,
  pattern: (p) => PATTERN_MESSAGES[String(p.pattern)] ?? `must match the pattern ${String(p.pattern)}`,
  format: (p) => FORMAT_MESSAGES[String(p.format)] ?? `must be a valid ${String(p.format)}`,
  discriminator: (p, e) => (p.tagValue === undefined ? `"${String(p.tag)}" is required` : discriminatorValue(p, e)),
};

function propertiesOf(error: ErrorObject): Record<string, unknown> {
  return (error.parentSchema?.properties as Record<string, unknown> | undefined) ?? {};
}

function discriminatorValue(params: Params, error: ErrorObject): string {
  const variants = (error.parentSchema?.oneOf as Array<{ properties: Record<string, { const: unknown }> }>) ?? [];
  if (typeof params.tagValue !== 'string') return 'must be a string';
  return `must be one of ${quoted(variants.map((v) => v.properties[String(params.tag)]?.const))}`;
}

/** The pointer of the field the error is about (the unknown key, the missing key, the discriminator tag). */
function pathOf(error: ErrorObject): string {
  const p = error.params as Params;
  switch (error.keyword) {
    case 'additionalProperties':
      return pointer(error.instancePath, String(p.additionalProperty));
    case 'required':
      return pointer(error.instancePath, String(p.missingProperty));
    case 'discriminator':
      return pointer(error.instancePath, String(p.tag));
    default:
      return error.instancePath;
  }
}

/** A discriminator error on a value that is not an object repeats the `type` error at the same path. */
function isRedundant(error: ErrorObject, all: readonly ErrorObject[]): boolean {
  return (
    error.keyword === 'discriminator' &&
    all.some((other) => other.keyword === 'type' && other.instancePath === error.instancePath)
  );
}

/**
 * Maps ajv errors (compiled with `verbose: true` so `parentSchema` is available) to problems that name the
 * offending field and say what is wrong in plain words. Identical problems are reported once.
 */
export function schemaProblems(errors: readonly ErrorObject[]): ValidationProblem[] {
  const problems = new Map<string, ValidationProblem>();
  for (const error of errors) {
    if (isRedundant(error, errors)) continue;
    const describe = DESCRIBE[error.keyword];
    const message = describe ? describe(error.params as Params, error) : (error.message ?? 'is invalid');
    const problem = { path: pathOf(error), message };
    problems.set(`${problem.path}\u0000${message}`, problem);
  }
  return [...problems.values()];
}
