import type { OperatorToken } from './app-config.js';
import { compileSchema } from '../validation/validation-policies.js';

const tokensSchema = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['subject', 'token', 'scopes'],
    properties: {
      subject: { type: 'string', minLength: 1, maxLength: 200 },
      token: { type: 'string', minLength: 8, maxLength: 4096 },
      scopes: { type: 'array', items: { type: 'string', minLength: 1 } },
    },
  },
} as const;

const validateTokens = compileSchema('config', tokensSchema);

/** `APPHUB_OPERATOR_TOKENS`: a JSON array of `{ subject, token, scopes }`, tokens unique; problems collected. */
export function parseTokens(text: string, problems: string[]): OperatorToken[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    problems.push(`APPHUB_OPERATOR_TOKENS: not valid JSON (${(error as Error).message})`);
    return [];
  }
  if (!validateTokens(parsed)) {
    for (const error of validateTokens.errors ?? []) {
      problems.push(`APPHUB_OPERATOR_TOKENS${error.instancePath}: ${error.message ?? 'is invalid'}`);
    }
    return [];
  }
  const tokens = parsed as OperatorToken[];
  const seen = new Set<string>();
  for (const [index, token] of tokens.entries()) {
    if (seen.has(token.token)) problems.push(`APPHUB_OPERATOR_TOKENS/${index}/token: duplicates an earlier token`);
    seen.add(token.token);
  }
  return tokens.map((token) => Object.freeze({ ...token, scopes: [...token.scopes] }));
}
