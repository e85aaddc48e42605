import { minSeqQuerySchema } from '../http/responses.js';

export const listWorkflowsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 100 },
    cursor: { type: 'string', maxLength: 200 },
    ...minSeqQuerySchema,
  },
} as const;

export const slugParamSchema = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$', maxLength: 100 } as const;
