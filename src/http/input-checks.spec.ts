import { ValidationError } from '../domain/domain-error.js';
import { decodeCursor, encodeCursor, isCursorInstant, isCursorSeq, isCursorText } from './cursor.js';
import { assertStorableBody, assertStorableUrl, MAX_JSON_DEPTH } from './input-guards.js';
import { requestIdOf } from './request-id.js';

const raw = (json: string) => Buffer.from(json, 'utf8').toString('base64url');
const historyCursor = (v: Record<string, unknown>) => isCursorInstant(v.p) && isCursorSeq(v.s);

describe('cursors', () => {
  it('round-trips the cursors we issue', () => {
    const cursor = encodeCursor({ p: '2024-05-01T10:00:00.000Z', s: 42 });
    expect(decodeCursor(cursor, historyCursor)).toEqual({ p: '2024-05-01T10:00:00.000Z', s: 42 });
  });

  it.each([
    ['a sequence beyond bigint', raw('{"p":"2024-05-01T10:00:00.000Z","s":99999999999999999999}')],
    ['s:1e308', raw('{"p":"2024-05-01T10:00:00.000Z","s":1e308}')],
    ['a negative sequence', raw('{"p":"2024-05-01T10:00:00.000Z","s":-1}')],
    ['p:"1"', raw('{"p":"1","s":1}')],
    ['an impossible date', raw('{"p":"2024-02-31T00:00:00.000Z","s":1}')],
    ['year 0', raw('{"p":"0000-01-01T00:00:00.000Z","s":1}')],
    ['an array', raw('[1]')],
    ['not JSON', 'not-a-cursor!'],
    ['empty', ''],
  ])('refuses %s with invalid_cursor', (_label, cursor) => {
    expect(() => decodeCursor(cursor, historyCursor)).toThrow(ValidationError);
    try {
      decodeCursor(cursor, historyCursor);
    } catch (error) {
      expect((error as ValidationError).code).toBe('invalid_cursor');
    }
  });

  it('refuses text keys Postgres cannot compare', () => {
    expect(isCursorText('a\u0000b')).toBe(false);
    expect(isCursorText('\ud800')).toBe(false);
    expect(isCursorText('x'.repeat(1001))).toBe(false);
    expect(isCursorText('retail.sales 🎉')).toBe(true);
  });
});

describe('request ids', () => {
  it('keeps a valid client id', () => {
    expect(requestIdOf({ 'x-request-id': 'abc-123_XYZ' })).toBe('abc-123_XYZ');
    expect(requestIdOf({ 'x-request-id': 'x'.repeat(128) })).toBe('x'.repeat(128));
  });

  it.each([
    ['empty', ''],
    ['longer than 128', 'x'.repeat(129)],
    ['3,000 characters', 'y'.repeat(3000)],
    ['with a space', 'a b'],
    ['non-ASCII', 'idé'],
    ['a control character', 'a\tb'],
    ['repeated headers', ['a', 'b']],
  ])('replaces one that is %s by a generated one', (_label, header) => {
    const id = requestIdOf({ 'x-request-id': header });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('storable input', () => {
  const problemOf = (body: unknown) => {
    try {
      assertStorableBody(body);
      return null;
    } catch (error) {
      return (error as ValidationError).errors[0];
    }
  };

  it('accepts ordinary JSON, unicode and emoji included', () => {
    expect(problemOf({ a: ['x', { b: 'Größe 🎉' }], n: 1 })).toBeNull();
  });

  it('refuses NUL characters and unpaired surrogates in values and keys, naming the path', () => {
    expect(problemOf({ a: { b: 'x\u0000' } })).toMatchObject({ path: '/a/b' });
    expect(problemOf({ list: ['ok', '\udc00'] })).toMatchObject({ path: '/list/1' });
    expect(problemOf({ 'k\u0000': 1 })).toMatchObject({ path: '/k\u0000', message: expect.stringContaining('key') });
  });

  it('refuses nesting deeper than the bound without recursing', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(problemOf(deep)).toMatchObject({ message: `is nested deeper than ${MAX_JSON_DEPTH} levels` });
  });

  it('refuses %00 in the URL', () => {
    expect(() => assertStorableUrl('/workflows?partitionKey=%00')).toThrow(ValidationError);
    expect(() => assertStorableUrl('/workflows?partitionKey=a%2000')).not.toThrow();
  });
});
