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

describe('parameter layering with prototype keys', () => {
  it('keeps a __proto__ key as data and never replaces the prototype', () => {
    const overlay = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const merged = mergeLayers({ b: 2 }, overlay);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect((merged as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.hasOwn(merged, '__proto__')).toBe(true);
    expect(JSON.parse(JSON.stringify(merged))).toEqual(JSON.parse('{"b":2,"__proto__":{"polluted":true},"a":1}'));
  });

  it('merges a __proto__ key of both layers as data', () => {
    const base = JSON.parse('{"__proto__": {"x": 1}}') as Record<string, unknown>;
    const overlay = JSON.parse('{"__proto__": {"y": 2}}') as Record<string, unknown>;
    const merged = mergeLayers(base, overlay);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(merged, '__proto__')?.value).toEqual({ x: 1, y: 2 });
  });

  it('never takes inherited members (constructor, prototype) for the base value', () => {
    const merged = mergeLayers({}, { constructor: { prototype: { polluted: true } } });
    expect(Object.getOwnPropertyDescriptor(merged, 'constructor')?.value).toEqual({ prototype: { polluted: true } });
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.prototype.constructor).toBe(Object);
  });
});
