/**
 * Layered parameters (DESIGN §7): an object overlay merges key by key into an object base; arrays, scalars and
 * null replace; an undefined overlay keeps the base. Inputs are never mutated.
 */
export function deepMerge(base: unknown, overlay: unknown): unknown {
  if (overlay === undefined) return clone(base);
  if (isPlainObject(base) && isPlainObject(overlay)) {
    const merged: Record<string, unknown> = clone(base) as Record<string, unknown>;
    for (const [key, value] of Object.entries(overlay)) {
      // Own data properties only: a `__proto__` key is kept as data and never replaces the result's prototype,
      // and an inherited member (`constructor`) is never taken for the base's value.
      const current = Object.hasOwn(merged, key) ? merged[key] : undefined;
      Object.defineProperty(merged, key, {
        value: deepMerge(current, value),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return merged;
  }
  return clone(overlay);
}

/** Merges every layer in order (later wins) into an object. */
export function mergeLayers(...layers: unknown[]): Record<string, unknown> {
  const merged = layers.reduce<unknown>((acc, layer) => deepMerge(acc, layer), {});
  return isPlainObject(merged) ? merged : {};
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function clone(value: unknown): unknown {
  return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown);
}
