import type { KeyedState } from '../saga-state.js';

/** A lookup of a key that was not loaded for the batch (a bug in the batch's key plan; the batch is retried). */
export class StateMissError extends Error {
  override name = 'StateMissError';
  constructor(
    readonly part: string,
    readonly key: string,
  ) {
    super(`materializer state ${part}[${JSON.stringify(key)}] was not loaded for the batch`);
  }
}

const ABSENT = Symbol('absent');

/**
 * A write-back cache over one keyed table of the saga's state: keys are loaded before a batch is decided (absent
 * ones remembered as absent), changes are kept until their write committed (handed to the write-back is not enough:
 * a later batch would reload the old row), and clean entries are evicted beyond the bound.
 * A lookup of a key that was never loaded throws, so a decision can never be taken on a partial state.
 */
export class CachedMap<V> implements KeyedState<V> {
  private readonly entries = new Map<string, V | typeof ABSENT>();
  private changed = new Set<string>();
  /** Changes handed to the change tracker, not yet taken by a write-back. */
  private handed = new Set<string>();
  /** Changes taken by the write-back whose transaction has not committed yet: never evicted. */
  private unsaved = new Set<string>();

  constructor(
    readonly part: string,
    private readonly capacity: number,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) throw new StateMissError(this.part, key);
    return entry === ABSENT ? undefined : entry;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** The value when its key is loaded and present; never throws (for planning which keys a batch loads). */
  peek(key: string): V | undefined {
    const entry = this.entries.get(key);
    return entry === undefined || entry === ABSENT ? undefined : entry;
  }

  set(key: string, value: V): this {
    this.entries.delete(key);
    this.entries.set(key, value);
    this.changed.add(key);
    return this;
  }

  delete(key: string): boolean {
    const existed = this.entries.get(key) !== undefined && this.entries.get(key) !== ABSENT;
    this.entries.set(key, ABSENT);
    this.changed.add(key);
    return existed;
  }

  /** Keys not in memory (to load before deciding). */
  missing(keys: Iterable<string>): string[] {
    const result = new Set<string>();
    for (const key of keys) if (!this.entries.has(key)) result.add(key);
    return [...result];
  }

  /** Puts loaded values; keys without a value are remembered as absent. */
  load(keys: readonly string[], found: ReadonlyMap<string, V>): void {
    for (const key of keys) if (!this.entries.has(key)) this.entries.set(key, found.get(key) ?? ABSENT);
    this.evict();
  }

  get hasChanges(): boolean {
    return this.changed.size > 0;
  }

  /** The changed entries (value, or undefined for a deleted key), handed to the change tracker. */
  takeChanges(): Array<[string, V | undefined]> {
    const changes = [...this.changed].map((key): [string, V | undefined] => {
      const entry = this.entries.get(key);
      return [key, entry === ABSENT ? undefined : entry];
    });
    for (const key of this.changed) this.handed.add(key);
    this.changed = new Set();
    return changes;
  }

  /** The write-back took what was handed over: kept until that write committed. */
  taken(): void {
    for (const key of this.handed) this.unsaved.add(key);
    this.handed.clear();
  }

  /** The write of the changes taken last committed: they may leave memory now. */
  committed(): void {
    this.unsaved.clear();
    this.evict();
  }

  clear(): void {
    this.entries.clear();
    this.changed.clear();
    this.handed.clear();
    this.unsaved.clear();
  }

  private evict(): void {
    if (this.entries.size <= this.capacity) return;
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.capacity) return;
      if (!this.changed.has(key) && !this.handed.has(key) && !this.unsaved.has(key)) this.entries.delete(key);
    }
  }
}

/** A plain map that records which keys changed (state kept whole in memory). */
export class TrackedMap<V> extends Map<string, V> implements KeyedState<V> {
  private changedKeys = new Set<string>();

  override set(key: string, value: V): this {
    this.changedKeys?.add(key);
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    this.changedKeys.add(key);
    return super.delete(key);
  }

  /** Puts a stored value without counting it as a change (hydration). */
  seed(key: string, value: V): void {
    super.set(key, value);
  }

  get hasChanges(): boolean {
    return this.changedKeys.size > 0;
  }

  takeChanges(): Array<[string, V | undefined]> {
    const changes = [...this.changedKeys].map((key): [string, V | undefined] => [key, super.get(key)]);
    this.changedKeys = new Set();
    return changes;
  }
}
