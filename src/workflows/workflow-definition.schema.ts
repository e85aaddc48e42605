import { assetDeclarationSchema } from './asset-declaration.schema.js';

/**
 * JSON Schema (draft-07, strict: unknown keys are rejected) of the body of `POST /workflows` and
 * `PUT /workflows/:slug` (DESIGN §5). It checks structure only; cross-field rules (job vs service, the DAG,
 * asset uniqueness, partition compatibility, compilable schemas) are checked by `validateWorkflowDefinition`.
 * Also the source of the OpenAPI description of the body.
 */

/** Workflow and job slugs: lower-case letters, digits, `-`, `_`; they become URL segments and subject tokens. */
export const SLUG_PATTERN = '^[a-z0-9][a-z0-9_-]*$';

/** Step ids: letters, digits, `-`, `_`. */
export const STEP_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]*$';

/** Service URLs: absolute http or https (also checked as a URI). */
export const SERVICE_URL_PATTERN = '^[Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#]+';

const integer = (minimum: number, maximum: number, description: string) =>
  ({ type: 'integer', minimum, maximum, description }) as const;

const text = (maxLength: number, description: string) =>
  ({ type: 'string', minLength: 1, maxLength, description }) as const;

const slug = (description: string) => ({ ...text(100, description), pattern: SLUG_PATTERN }) as const;

const declarations = (description: string) =>
  ({ type: 'array', description, maxItems: 50, items: assetDeclarationSchema }) as const;

/** One step of the body. */
export const workflowStepSchema = {
  type: 'object',
  description: 'A step: a job (jobSlug) or a service call (serviceUrl).',
  additionalProperties: false,
  required: ['id'],
  properties: {
    id: { ...text(100, 'Step id, unique within the workflow.'), pattern: STEP_ID_PATTERN },
    name: text(200, 'Display name.'),
    type: { enum: ['job', 'service'], description: 'Default: job when jobSlug is set, service when serviceUrl is.' },
    jobSlug: slug('The job to dispatch (job steps only).'),
    serviceUrl: {
      type: 'string',
      description: 'Absolute http(s) URL the step POSTs to (service steps only).',
      maxLength: 2000,
      format: 'uri',
      pattern: SERVICE_URL_PATTERN,
    },
    dependsOn: {
      type: 'array',
      description: 'Ids of the steps that must succeed first (no cycles). Default [].',
      maxItems: 100,
      items: text(100, 'A step id of this workflow.'),
    },
    parameters: { type: 'object', description: 'Step parameters, merged over the run parameters.' },
    produces: declarations('Assets the step produces (0..50). Default [].'),
    consumes: declarations('Assets the step consumes (0..50). Default [].'),
    timeoutMs: integer(1, 86_400_000, 'Per-attempt timeout in ms; absent = none.'),
    retries: integer(0, 10, 'Extra attempts after a failure. Default 0.'),
    retryBackoffMs: integer(1, 3_600_000, 'Delay before a retry in ms.'),
  },
} as const;

/** The request body of `POST /workflows` and `PUT /workflows/:slug`. */
export const workflowDefinitionBodySchema = {
  type: 'object',
  description: 'A workflow definition. On PUT, slug may be omitted (taken from the URL) or must equal it.',
  additionalProperties: false,
  required: ['slug', 'name', 'steps'],
  properties: {
    slug: slug('Unique workflow slug.'),
    name: text(200, 'Display name.'),
    description: { type: 'string', maxLength: 2000, description: 'Free text.' },
    steps: {
      type: 'array',
      description: 'The steps (1..100), forming a DAG through dependsOn.',
      minItems: 1,
      maxItems: 100,
      items: workflowStepSchema,
    },
    defaultParameters: { type: 'object', description: 'Parameters every run starts from.' },
    parametersSchema: { type: 'object', description: 'JSON Schema (draft-07) a run’s parameters must satisfy.' },
  },
} as const;
