import { minSeqQuerySchema } from '../http/responses.js';

export const runRequestBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    parameters: {
      type: 'object',
      description: "Deep-merged over the workflow's defaultParameters; checked against its parametersSchema.",
    },
    partitionKey: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      description: 'Required (and validated) when the workflow produces a partitioned asset.',
    },
    runKey: {
      type: 'string',
      minLength: 1,
      maxLength: 120,
      pattern: '^\\s*[A-Za-z0-9_.:-]+\\s*$',
      description: 'At most one active run per workflow and run key (409 run_key_conflict).',
    },
    triggeredBy: { type: 'string', minLength: 1, maxLength: 200 },
  },
} as const;

export const completionBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['status'],
  properties: {
    status: { enum: ['succeeded', 'failed'] },
    attempt: { type: 'integer', minimum: 1, description: 'Defaults to the current attempt.' },
    result: {
      description:
        'Free-form; only result.assets is read (array, one asset object, or a map keyed by asset id); each asset may carry checks: [{name, passed, metadata?}] for checks its declaration names (others: 422 undeclared_check).',
    },
    error: {
      oneOf: [
        { type: 'string', minLength: 1, maxLength: 10000 },
        {
          type: 'object',
          additionalProperties: false,
          required: ['message'],
          properties: {
            message: { type: 'string', minLength: 1, maxLength: 10000 },
            code: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,63}$' },
          },
        },
      ],
    },
  },
} as const;

/** The NATS `<prefix>_job.complete` request: the HTTP body plus the step it completes. */
export const natsCompletionSchema = {
  ...completionBodySchema,
  required: ['runId', 'stepId', 'status'],
  properties: {
    ...completionBodySchema.properties,
    runId: { type: 'string', minLength: 1, maxLength: 100 },
    stepId: { type: 'string', minLength: 1, maxLength: 100 },
  },
} as const;

export const cancelBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { reason: { type: 'string', minLength: 1, maxLength: 500 } },
} as const;

export const listRunsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 50, default: 20 },
    cursor: { type: 'string', maxLength: 200 },
    status: { enum: ['pending', 'running', 'waiting', 'succeeded', 'failed', 'canceled'] },
    partitionKey: { type: 'string', minLength: 1, maxLength: 200 },
    trigger: {
      type: 'string',
      minLength: 1,
      maxLength: 100,
      description: 'trigger.type, e.g. manual, auto-materialize, dependency',
    },
    ...minSeqQuerySchema,
  },
} as const;

export const getRunQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { ...minSeqQuerySchema },
} as const;
