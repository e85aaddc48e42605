import { compileSchema, isolatedValidator } from './validation-policies.js';

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: { limit: { type: 'integer', default: 10 }, at: { type: 'string', format: 'date-time' } },
};

describe('validation policies', () => {
  it('body: no coercion, defaults filled in, formats checked', () => {
    const validate = compileSchema('body', schema);
    expect(validate({ limit: '5' })).toBe(false);
    const body: Record<string, unknown> = {};
    expect(validate(body)).toBe(true);
    expect(body).toEqual({ limit: 10 });
    expect(validate({ at: 'yesterday' })).toBe(false);
  });

  it('query: strings coerced to the schema types', () => {
    const query: Record<string, unknown> = { limit: '5' };
    expect(compileSchema('query', schema)(query)).toBe(true);
    expect(query).toEqual({ limit: 5 });
  });

  it('definition: strict, so a typo in our own schema fails when it compiles', () => {
    expect(() => compileSchema('definition', { type: 'object', propertees: {} })).toThrow();
    expect(() => compileSchema('body', { type: 'object', propertees: {} })).not.toThrow();
  });

  it('userSchema: an instance of its own each time, so one user schema never sees another', () => {
    const a = isolatedValidator('userSchema');
    const b = isolatedValidator('userSchema');
    a.compile({ $id: 'https://example.com/x', type: 'string' });
    expect(() => b.compile({ $id: 'https://example.com/x', type: 'number' })).not.toThrow();
  });
});
