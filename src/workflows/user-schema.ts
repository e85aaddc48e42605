import { createHash } from 'node:crypto';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import { isolatedValidator } from '../validation/validation-policies.js';
import { linearRegExp, regexProblems } from './linear-regexp.js';
import type { ValidationProblem } from './validation-problem.js';

/** The outcome of compiling a user's JSON Schema: a validator, or every reason it does not compile. */
export type UserSchemaCompilation =
  { ok: true; validate: ValidateFunction } | { ok: false; message: string; problems: ValidationProblem[] };

const CACHE_SIZE = 1000;

/** The `userSchema` policy with the linear-time regular-expression engine (a user's pattern never backtracks). */
const engine = { code: { regExp: linearRegExp } } as const;

/*
 * The meta-schema check runs on one shared instance (it never registers the schema it checks); each schema then
 * compiles on an instance of its own that skips that check. Nothing a user wrote is ever added to a shared
 * registry, so a root `$id` cannot collide with itself after a PUT, nor with another workflow's.
 */
const metaChecker = isolatedValidator('userSchema', engine);

function isolatedAjv(): Ajv {
  // `meta: false`: not even the draft-07 meta-schema is registered, so a schema may reuse its `$id` too.
  return isolatedValidator('userSchema', { ...engine, validateSchema: false, meta: false });
}

/** Compiled validators and compile failures by schema content (a `Map` in recency order). */
const cache = new Map<string, UserSchemaCompilation>();

function remember(key: string, compilation: UserSchemaCompilation): UserSchemaCompilation {
  cache.set(key, compilation);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return compilation;
}

function failure(problems: ValidationProblem[]): UserSchemaCompilation {
  return { ok: false, message: problems.map((p) => `${p.path || '/'} ${p.message}`).join('; '), problems };
}

/** One problem per offending keyword, without the `anyOf` summary the meta-schema adds to each. */
function metaProblems(errors: readonly ErrorObject[] | null | undefined): ValidationProblem[] {
  const byPath = new Map<string, string[]>();
  for (const error of errors ?? []) {
    if (error.keyword === 'anyOf') continue;
    const messages = byPath.get(error.instancePath) ?? [];
    if (!messages.includes(error.message ?? 'is invalid')) messages.push(error.message ?? 'is invalid');
    byPath.set(error.instancePath, messages);
  }
  return [...byPath].map(([path, messages]) => ({ path, message: `schema is invalid: ${messages.join(' or ')}` }));
}

function compile(schema: Record<string, unknown>): UserSchemaCompilation {
  const patterns = regexProblems(schema);
  if (patterns.length > 0) return failure(patterns);
  try {
    if (!metaChecker.validateSchema(schema)) return failure(metaProblems(metaChecker.errors));
    return { ok: true, validate: isolatedAjv().compile(schema) };
  } catch (error) {
    return failure([{ path: '', message: error instanceof Error ? error.message : String(error) }]);
  }
}

/**
 * Compiles a user's JSON Schema (an asset `schema`, a workflow `parametersSchema`): draft-07, `strict: false`,
 * every error (`allErrors`), `pattern`/`patternProperties` on a linear-time engine (RE2 semantics: no
 * backreferences or lookaround), in isolation (a root `$id` is never registered globally). Never throws. Results
 * (also failures) are cached by content in a bounded LRU, so registration, run requests and completions share one
 * compilation. Problem paths are JSON pointers inside the schema.
 */
export function compileUserSchema(schema: Record<string, unknown>): UserSchemaCompilation {
  const key = createHash('sha256').update(JSON.stringify(schema)).digest('base64url');
  const cached = cache.get(key);
  if (cached) {
    cache.delete(key);
    cache.set(key, cached);
    return cached;
  }
  return remember(key, compile(schema));
}

/** How many compilations the cache holds (for tests of its bound). */
export function userSchemaCacheSize(): number {
  return cache.size;
}
