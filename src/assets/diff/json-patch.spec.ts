import jsonPatch from 'fast-json-patch';
import { diffPayloads } from './json-patch.js';

const roundTrip = (from: unknown, to: unknown) =>
  jsonPatch.applyPatch(structuredClone(from), diffPayloads(from, to) as jsonPatch.Operation[], true, false).newDocument;

describe('diffPayloads', () => {
  it('answers nothing for equal payloads', () => {
    expect(diffPayloads({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toEqual([]);
    expect(diffPayloads(3, 3)).toEqual([]);
  });

  it('answers add, remove and replace operations with escaped pointers', () => {
    const patch = diffPayloads({ total: 1, 'a/b': 1, gone: true }, { total: 2, 'a/b': 2, added: { x: 1 } });
    expect(patch).toEqual(
      expect.arrayContaining([
        { op: 'replace', path: '/total', value: 2 },
        { op: 'replace', path: '/a~1b', value: 2 },
        { op: 'remove', path: '/gone' },
        { op: 'add', path: '/added', value: { x: 1 } },
      ]),
    );
  });

  it('replaces the whole document when a root is not an object or array, or their kinds differ', () => {
    expect(diffPayloads(1, 2)).toEqual([{ op: 'replace', path: '', value: 2 }]);
    expect(diffPayloads(null, { a: 1 })).toEqual([{ op: 'replace', path: '', value: { a: 1 } }]);
    expect(diffPayloads([1], { a: 1 })).toEqual([{ op: 'replace', path: '', value: { a: 1 } }]);
  });

  it('produces patches that turn the old payload into the new one', () => {
    const cases: Array<[unknown, unknown]> = [
      [
        { rows: [1, 2, 3], meta: { v: 1 } },
        { rows: [1, 3], meta: { v: 2, w: null } },
      ],
      [
        [{ a: 1 }, { b: 2 }],
        [{ a: 1 }, { b: 3 }, { c: 4 }],
      ],
      [{ nested: { deep: { list: ['x'] } } }, { nested: {} }],
    ];
    for (const [from, to] of cases) expect(roundTrip(from, to)).toEqual(to);
  });
});
