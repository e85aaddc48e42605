/**
 * A map over a slice of a table: it knows which keys (or key scopes) were loaded, and records every lookup of a key
 * outside them as a miss, so the shell can load the missing rows and decide the batch again. Absent-but-loaded keys
 * are real absences; only unloaded ones are misses.
 */
export class TrackedMap<V> extends Map<string, V> {
  readonly misses = new Set<string>();
  /** Keys deleted during the batch (and not set again): their rows are deleted on save. */
  readonly removed = new Set<string>();
  private readonly knownKeys = new Set<string>();
  private readonly knownScopes = new Set<string>();

  /** `scopeOf` maps a key to the unit it is loaded by (e.g. parameters load per workflow × partition). */
  constructor(private readonly scopeOf: (key: string) => string = (key) => key) {
    super();
  }

  /** Marks a scope as loaded (everything in it that exists is now in the map). */
  markLoaded(scope: string): void {
    this.knownScopes.add(scope);
  }

  markLoadedAll(scopes: Iterable<string>): void {
    for (const scope of scopes) this.knownScopes.add(scope);
  }

  override get(key: string): V | undefined {
    this.check(key);
    return super.get(key);
  }

  override has(key: string): boolean {
    this.check(key);
    return super.has(key);
  }

  override set(key: string, value: V): this {
    this.knownKeys?.add(key);
    this.removed?.delete(key);
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    this.knownKeys.add(key);
    this.removed.add(key);
    return super.delete(key);
  }

  private check(key: string): void {
    if (super.has(key) || this.knownKeys.has(key) || this.knownScopes.has(this.scopeOf(key))) return;
    this.misses.add(this.scopeOf(key));
  }
}
