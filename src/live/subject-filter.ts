/**
 * The `subjects` filter of `GET /events`: NATS wildcards below the subject prefix (`asset.>`, `run.<slug>.>`,
 * `materializer.*.enqueued`, `>`). Tokens are the characters our subjects use; `*` stands for one token and `>`
 * (last only) for the rest. Pure: the controller turns a problem into a 400.
 */
export interface SubjectFilterProblem {
  message: string;
}

const TOKEN = /^[A-Za-z0-9_:-]+$/;
const MAX_LENGTH = 300;

/** Everything below the prefix. */
export const ALL_SUBJECTS = '>';

/** The problem with a filter, or null when it is valid. */
export function subjectFilterProblem(filter: string): SubjectFilterProblem | null {
  if (filter.length === 0) return { message: 'must not be empty (omit it for every event)' };
  if (filter.length > MAX_LENGTH) return { message: `must be at most ${MAX_LENGTH} characters` };
  const tokens = filter.split('.');
  for (const [index, token] of tokens.entries()) {
    if (token === '>') {
      if (index !== tokens.length - 1) return { message: '">" may only be the last token' };
      continue;
    }
    if (token === '*') continue;
    if (token.length === 0) return { message: 'must not contain empty tokens (".." or a leading/trailing ".")' };
    if (!TOKEN.test(token)) {
      return {
        message: `token ${JSON.stringify(token)} is not allowed: use letters, digits, "_", ":", "-", or the wildcards "*" and ">"`,
      };
    }
  }
  return null;
}

/** The full NATS subject filter for a valid filter below `prefix`. */
export function fullSubjectFilter(prefix: string, filter: string): string {
  return `${prefix}.${filter}`;
}
