import { CachedMap } from './cached-map.js';

describe('CachedMap (write-back cache)', () => {
  const loaded = (capacity: number, keys: string[]) => {
    const map = new CachedMap<number>('test', capacity);
    map.load(keys, new Map(keys.map((key, i) => [key, i])));
    return map;
  };

  it('keeps a changed entry until its write committed, however many keys are loaded meanwhile', () => {
    const map = loaded(2, ['a', 'b']);
    map.set('a', 42);
    expect(map.takeChanges()).toEqual([['a', 42]]);
    // The write is in flight; the next batch loads other keys past the bound.
    map.load(
      ['c', 'd', 'e'],
      new Map([
        ['c', 3],
        ['d', 4],
        ['e', 5],
      ]),
    );
    expect(map.missing(['a'])).toEqual([]);
    expect(map.get('a')).toBe(42);
    map.taken();
    map.committed();
    map.load(['f'], new Map([['f', 6]]));
    expect(map.missing(['a', 'b'])).toEqual(['a', 'b']);
  });

  it('evicts clean entries beyond the bound', () => {
    const map = loaded(2, ['a', 'b', 'c']);
    expect(map.missing(['a', 'b', 'c'])).toEqual(['a']);
  });
});
