import { Ajv, type Options, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * The named ways this service validates JSON, one option set each (so a command is validated the same way
 * whichever door it came in by: an HTTP body and a NATS completion request both use `body`).
 * - `body`: request bodies (HTTP, the NATS completion inbox): no coercion, defaults filled in.
 * - `query`: query strings: strings coerced to the schema's types, defaults filled in.
 * - `event`: event envelopes and their data, on append and on read.
 * - `config`: the environment: strings coerced, no defaults (`loadConfig` applies its own).
 * - `definition`: our own workflow-definition schemas: strict (a typo in them fails at start-up), `verbose` for the
 *   error mapper, discriminators.
 * - `userSchema`: JSON Schemas users declare (payload schemas, check payloads): never strict, no logging; the caller
 *   adds its linear-time regular-expression engine.
 */
export type ValidationPolicy = 'body' | 'query' | 'event' | 'config' | 'definition' | 'userSchema';

const POLICIES: Readonly<Record<ValidationPolicy, Options>> = {
  body: { allErrors: true, strict: false, coerceTypes: false, useDefaults: true },
  query: { allErrors: true, strict: false, coerceTypes: true, useDefaults: true },
  event: { allErrors: true, strict: false },
  config: { allErrors: true, coerceTypes: true, useDefaults: false },
  definition: { allErrors: true, verbose: true, discriminator: true, strict: true },
  userSchema: { allErrors: true, strict: false, logger: false },
};

const shared = new Map<ValidationPolicy, Ajv>();

/**
 * A validator instance of its own for a policy (`extra` adds options that are the caller's concern, e.g. a regex
 * engine): for registries that own their schemas, and user schemas that must never share a registry.
 */
export function isolatedValidator(policy: ValidationPolicy, extra: Options = {}): Ajv {
  const ajv = new Ajv({ ...POLICIES[policy], ...extra });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv;
}

/** Compiles one of our own schemas on the policy's shared instance. */
export function compileSchema<T = unknown>(policy: ValidationPolicy, schema: object): ValidateFunction<T> {
  let ajv = shared.get(policy);
  if (!ajv) shared.set(policy, (ajv = isolatedValidator(policy)));
  return ajv.compile<T>(schema);
}
