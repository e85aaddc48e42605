import { readFileSync } from 'node:fs';
import { compileErrors, validate } from '@readme/openapi-parser';
import { nullableAsTypeNull } from './nullable-as-type-null.js';

/** docs/openapi.json is the document /docs/json serves (test/e2e/console.e2e.spec.ts holds them equal). */
const committed = () => JSON.parse(readFileSync('docs/openapi.json', 'utf8')) as Record<string, unknown>;

/** JSON pointers of the objects that carry a boolean `nullable`. */
function nullablePaths(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => nullablePaths(item, `${path}/${index}`));
  if (value === null || typeof value !== 'object') return [];
  const own = typeof (value as { nullable?: unknown }).nullable === 'boolean' ? [path] : [];
  return own.concat(Object.entries(value).flatMap(([key, child]) => nullablePaths(child, `${path}/${key}`)));
}

describe('OpenAPI document (docs/openapi.json)', () => {
  it('is OpenAPI 3.1 and a maintained validator (@readme/openapi-parser) accepts it without errors or warnings', async () => {
    const document = committed();
    expect(document.openapi).toBe('3.1.0');
    const result = await validate(document as Parameters<typeof validate>[0]);
    expect(result.valid ? '' : compileErrors(result)).toBe('');
    expect(result.warnings).toEqual([]);
  });

  it('says null the 3.1 way: no `nullable`, which 3.1 dropped and validators skip as an unknown keyword', () => {
    expect(nullablePaths(committed())).toEqual([]);
  });
});

describe('nullableAsTypeNull', () => {
  it('adds null to the type list, and to an enum', () => {
    expect(nullableAsTypeNull({ type: 'string', nullable: true, maxLength: 3 })).toEqual({
      type: ['string', 'null'],
      maxLength: 3,
    });
    expect(nullableAsTypeNull({ type: 'string', enum: ['manual', 'workflow-run'], nullable: true })).toEqual({
      type: ['string', 'null'],
      enum: ['manual', 'workflow-run', null],
    });
    expect(nullableAsTypeNull({ type: ['integer', 'null'], nullable: true })).toEqual({ type: ['integer', 'null'] });
  });

  it('offers null besides a schema without a type, and drops nullable: false', () => {
    expect(nullableAsTypeNull({ $ref: '#/components/schemas/Run', nullable: true })).toEqual({
      anyOf: [{ $ref: '#/components/schemas/Run' }, { type: 'null' }],
    });
    expect(nullableAsTypeNull({ type: 'object', nullable: false })).toEqual({ type: 'object' });
  });

  it('converts nested schemas and leaves its input as it was (the service validates with the same objects)', () => {
    const schema = {
      type: 'object',
      properties: { nullable: { type: 'boolean' }, at: { type: 'string', nullable: true } },
    };
    const before = structuredClone(schema);
    expect(nullableAsTypeNull({ paths: { '/x': { schema } } })).toEqual({
      paths: {
        '/x': {
          schema: { type: 'object', properties: { nullable: { type: 'boolean' }, at: { type: ['string', 'null'] } } },
        },
      },
    });
    expect(schema).toEqual(before);
  });
});
