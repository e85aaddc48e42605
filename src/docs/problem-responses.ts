import type { OpenAPIObject } from '@nestjs/swagger';
import { PROBLEM_TYPES } from '../http/problem-details.js';

/** RFC 9457 problem document as src/http answers every error (DESIGN §5); extension members are allowed. */
export const problemSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'instance', 'code'],
  additionalProperties: true,
  properties: {
    type: { type: 'string', description: 'https://apphub-assets.dev/problems/<code with dashes>' },
    title: { type: 'string' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    detail: { type: 'string' },
    instance: { type: 'string', description: 'The request URL.' },
    code: { type: 'string', enum: Object.keys(PROBLEM_TYPES), description: 'Stable error code (switch on this).' },
    errors: {
      type: 'array',
      description: 'Which fields were wrong (400s): a JSON pointer or parameter name and what is wrong with it.',
      items: {
        type: 'object',
        required: ['path', 'message'],
        properties: { path: { type: 'string' }, message: { type: 'string' } },
      },
    },
    retryAfterMs: {
      type: 'integer',
      description:
        'How long to wait before retrying a 503, in ms (also the retry-after-ms header; Retry-After in seconds).',
    },
  },
};

/**
 * Every operation answers its errors as problem documents: declared once as `components.responses.Problem` and
 * referenced as each operation's `default` response, so clients (the console's generated types) know their shape.
 */
export function withProblemResponses(document: OpenAPIObject): OpenAPIObject {
  const components = document.components ?? {};
  components.schemas = { ...components.schemas, Problem: problemSchema as never };
  components.responses = {
    ...components.responses,
    Problem: {
      description: 'An error, as an RFC 9457 problem document; `code` says which.',
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    },
  };
  for (const path of Object.values(document.paths)) {
    for (const operation of Object.values(path)) {
      if (typeof operation !== 'object' || operation === null || !('responses' in operation)) continue;
      operation.responses.default ??= { $ref: '#/components/responses/Problem' };
    }
  }
  return { ...document, components };
}
