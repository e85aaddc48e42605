type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * OpenAPI 3.1 schemas are JSON Schema 2020-12, which has no `nullable`; the service's schemas are ajv's, written with
 * OpenAPI 3.0's `nullable: true`. The published document says the same in 3.1's words: a type list
 * (`type: ['string', 'null']`, and null added to an `enum`), or `anyOf: [schema, { type: 'null' }]` for a schema
 * without a `type`. Returns a copy: the schemas the service validates with are shared with the document and stay as
 * they are.
 */
export function nullableAsTypeNull<T>(document: T): T {
  return convert(document as Json) as T;
}

function convert(value: Json): Json {
  if (Array.isArray(value)) return value.map(convert);
  if (value === null || typeof value !== 'object') return value;
  const copy: { [key: string]: Json } = {};
  for (const [key, child] of Object.entries(value)) copy[key] = convert(child);
  if (typeof copy.nullable !== 'boolean') return copy;
  const { nullable, ...schema } = copy;
  return nullable ? orNull(schema) : schema;
}

function orNull(schema: { [key: string]: Json }): Json {
  const { type, enum: values } = schema;
  if (typeof type === 'string' || Array.isArray(type)) {
    const types = Array.isArray(type) ? type : [type];
    return {
      ...schema,
      type: types.includes('null') ? types : [...types, 'null'],
      ...(Array.isArray(values) && !values.includes(null) ? { enum: [...values, null] } : {}),
    };
  }
  return { anyOf: [schema, { type: 'null' }] };
}
