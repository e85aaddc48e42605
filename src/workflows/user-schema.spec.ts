import { compileUserSchema, userSchemaCacheSize } from './user-schema.js';

function validatorOf(schema: Record<string, unknown>) {
  const compilation = compileUserSchema(schema);
  if (!compilation.ok) throw new Error(`expected a validator, got: ${compilation.message}`);
  return compilation.validate;
}

describe('compileUserSchema', () => {
  it('compiles the same root $id again and again, and two different schemas sharing one $id', () => {
    const first = validatorOf({ $id: 'https://example.com/order.json', type: 'object', required: ['id'] });
    const second = validatorOf({ $id: 'https://example.com/order.json', type: 'object', required: ['total'] });
    expect(first({ id: 1 })).toBe(true);
    expect(second({ id: 1 })).toBe(false);
    expect(validatorOf({ $id: 'https://example.com/order.json', type: 'object', required: ['id'] })).toBe(first);
  });

  it('accepts the draft-07 meta-schema id as a user $id', () => {
    const validate = validatorOf({ $id: 'http://json-schema.org/draft-07/schema#', type: 'string' });
    expect(validate('x')).toBe(true);
    expect(validate(1)).toBe(false);
  });

  it('reports a schema that does not compile with the path inside it, and never throws', () => {
    const bad = compileUserSchema({ type: 'object', properties: { n: { type: 'integr' } } });
    expect(bad).toMatchObject({ ok: false });
    if (!bad.ok) expect(bad.problems[0]!.path).toBe('/properties/n/type');
    expect(compileUserSchema({ $ref: '#/definitions/missing' })).toMatchObject({ ok: false });
    expect(compileUserSchema({ $schema: 'http://example.com/unknown-meta' })).toMatchObject({ ok: false });
  });

  it('runs patterns in linear time: ^(a+)+$ against 28 "a"s and "!" answers in milliseconds', () => {
    const validate = validatorOf({ type: 'string', pattern: '^(a+)+$' });
    const started = performance.now();
    expect(validate(`${'a'.repeat(28)}!`)).toBe(false);
    expect(validate(`${'a'.repeat(100_000)}!`)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(validate('aaaa')).toBe(true);
  });

  it('runs patternProperties on the linear engine too', () => {
    const validate = validatorOf({
      type: 'object',
      patternProperties: { '^(a+)+$': { type: 'number' } },
      additionalProperties: false,
    });
    const started = performance.now();
    expect(validate({ [`${'a'.repeat(28)}!`]: 1 })).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(validate({ aaa: 1 })).toBe(true);
    expect(validate({ aaa: 'x' })).toBe(false);
  });

  it('keeps JSON Schema pattern semantics (unanchored search, unicode classes)', () => {
    const validate = validatorOf({ type: 'string', pattern: '\\d{3}' });
    expect(validate('abc123def')).toBe(true);
    expect(validate('12')).toBe(false);
    expect(validatorOf({ type: 'string', pattern: '^\\p{L}+$' })('Größe')).toBe(true);
  });

  it.each([
    ['a backreference', { properties: { a: { type: 'string', pattern: '(a)\\1' } } }, '/properties/a/pattern'],
    ['a lookahead', { items: [{ pattern: '(?=a)b' }] }, '/items/0/pattern'],
    ['a lookbehind in patternProperties', { patternProperties: { '(?<!a)b': {} } }, '/patternProperties/(?<!a)b'],
  ])('refuses %s the linear engine cannot run, naming its path', (_label, schema, path) => {
    const compilation = compileUserSchema(schema);
    expect(compilation).toMatchObject({ ok: false });
    if (!compilation.ok) {
      expect(compilation.problems).toEqual([{ path, message: expect.stringContaining('linear-time engine') }]);
    }
  });

  it('does not take data (enum, const, default, examples) or property names for patterns', () => {
    expect(
      compileUserSchema({
        type: 'object',
        properties: { pattern: { type: 'string' } },
        default: { pattern: '(a)\\1' },
        examples: [{ pattern: '(?=a)' }],
        enum: [{ pattern: '(?=a)' }],
      }),
    ).toMatchObject({ ok: true });
  });

  it('keeps a bounded cache', () => {
    for (let i = 0; i < 1100; i++) compileUserSchema({ type: 'string', maxLength: i + 1 });
    expect(userSchemaCacheSize()).toBeLessThanOrEqual(1000);
  });
});
