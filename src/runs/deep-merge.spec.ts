import { deepMerge, mergeLayers } from './deep-merge.js';

describe('parameter layering', () => {
  it('merges objects key by key, later layers win', () => {
    expect(mergeLayers({ a: 1, nested: { x: 1, y: 2 } }, { nested: { y: 3 } }, { b: 2 })).toEqual({
      a: 1,
      b: 2,
      nested: { x: 1, y: 3 },
    });
  });

  it('replaces arrays, scalars and null instead of merging them', () => {
    expect(deepMerge({ list: [1, 2], v: { a: 1 } }, { list: [3], v: null })).toEqual({ list: [3], v: null });
    expect(deepMerge({ a: { b: 1 } }, { a: 'text' })).toEqual({ a: 'text' });
  });

  it('keeps the base for an undefined overlay and never mutates its inputs', () => {
    const base = { a: { b: 1 } };
    const overlay = { a: { c: 2 } };
    const merged = mergeLayers(base, undefined, overlay);
    expect(merged).toEqual({ a: { b: 1, c: 2 } });
    expect(base).toEqual({ a: { b: 1 } });
    expect(overlay).toEqual({ a: { c: 2 } });
  });

  it('always answers an object', () => {
    expect(mergeLayers(undefined, null)).toEqual({});
    expect(mergeLayers([1, 2])).toEqual({});
  });
});
