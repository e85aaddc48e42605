import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';

function newAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, addUsedSchema: false });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv;
}

/*
 * One instance for schemas without a root `$id`: `addUsedSchema: false` keeps them out of its registry and each is
 * removed from its cache after the check, so a long-running server does not keep every body it has seen. A schema
 * with a root `$id` gets a throw-away instance: removing it by id from the shared one could remove a meta-schema.
 */
const shared = newAjv();

/**
 * Compiles a user's JSON Schema (draft-07, `strict: false`, as payloads and parameters are validated later)
 * and returns ajv's message when it does not compile, else `undefined`.
 */
export function jsonSchemaCompileError(schema: Record<string, unknown>): string | undefined {
  const ajv = schema.$id === undefined ? shared : newAjv();
  try {
    ajv.compile(schema);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    if (ajv === shared) ajv.removeSchema(schema);
  }
}
