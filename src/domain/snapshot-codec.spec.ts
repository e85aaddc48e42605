import { snapshotCodec, SnapshotVersionError } from './snapshot-codec.js';

interface Counter {
  count: number;
  label: string;
}

/** Version 2 renamed `n` to `count`; version 1 rows (and rows without a version) still read. */
const counter = snapshotCodec<Counter, { v: 2; count: number; label: string }>({
  name: 'counter',
  version: 2,
  encode: (state) => ({ v: 2, count: state.count, label: state.label }),
  decode: (row) => ({ count: row.count, label: row.label }),
  upgrades: { 1: ({ n, label }: { n: number; label: string }) => ({ count: n, label }) },
});

const codeOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return (error as SnapshotVersionError).code;
  }
  return null;
};

describe('snapshotCodec', () => {
  it('stores the fields flat beside the version', () => {
    expect(counter.encode({ count: 3, label: 'a' })).toEqual({ v: 2, count: 3, label: 'a' });
  });

  it('upgrades an older version, and a row without a version as version 1', () => {
    expect(counter.decode({ v: 1, n: 4, label: 'b' })).toEqual({ count: 4, label: 'b' });
    expect(counter.decode({ n: 5, label: 'c' })).toEqual({ count: 5, label: 'c' });
  });

  it('reads JSON text as well as parsed JSON', () => {
    expect(counter.decode('{"v":2,"count":6,"label":"d"}')).toEqual({ count: 6, label: 'd' });
  });

  it('refuses versions it does not know, and values that are not versions', () => {
    for (const v of [3, 0, -1, 1.5, '2', null]) {
      expect(codeOf(() => counter.decode({ v, count: 1, label: 'x' }))).toBe('snapshot_version_unsupported');
    }
  });

  it('refuses a version it has no upgrade from', () => {
    const gap = snapshotCodec<Counter, { v: 3; count: number; label: string }>({
      name: 'gap',
      version: 3,
      encode: (state) => ({ v: 3, ...state }),
      decode: (row) => ({ count: row.count, label: row.label }),
      upgrades: { 2: (row: Counter) => row },
    });
    expect(gap.decode({ v: 2, count: 1, label: 'y' })).toEqual({ count: 1, label: 'y' });
    expect(codeOf(() => gap.decode({ count: 1, label: 'z' }))).toBe('snapshot_version_unsupported');
  });

  it('refuses a row that is not an object once read', () => {
    expect(codeOf(() => counter.decode([1, 2]))).toBe('snapshot_version_unsupported');
    expect(codeOf(() => counter.decode(7))).toBe('snapshot_version_unsupported');
  });
});
