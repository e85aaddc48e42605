/**
 * A deterministic pseudo-random source for synthetic example data: the same seed (e.g. a partition key) always
 * yields the same sequence, so re-running a partition reproduces its data exactly. Not for anything secret.
 */
export interface SyntheticRandom {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max]. */
  integer(min: number, max: number): number;
  /** Roughly normal (sum of uniforms) around `mean` with spread `deviation`. */
  around(mean: number, deviation: number): number;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
}

/** FNV-1a (32 bit) of the seed feeds mulberry32. */
export function syntheticRandom(seed: string): SyntheticRandom {
  let state = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    state ^= seed.charCodeAt(i);
    state = Math.imul(state, 0x01000193) >>> 0;
  }
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    integer: (min, max) => min + Math.floor(next() * (max - min + 1)),
    around: (mean, deviation) => mean + ((next() + next() + next()) / 1.5 - 1) * deviation,
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
}

/** Rounds to `digits` decimals (money, sensor values). */
export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
