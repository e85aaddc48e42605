/**
 * Reading the parameters an example job receives (the run's parameters with the step's merged over them). A
 * parameter of the wrong type fails the step with a message naming it, rather than being silently replaced.
 */
export class JobParameters {
  constructor(private readonly values: Record<string, unknown>) {}

  string(name: string, fallback: string): string {
    const value = this.values[name];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'string' || value.length === 0)
      throw new Error(`parameter "${name}" must be a non-empty string`);
    return value;
  }

  optionalString(name: string): string | undefined {
    const value = this.values[name];
    return value === undefined || value === null ? undefined : this.string(name, '');
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.values[name];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new Error(`parameter "${name}" must be an integer from ${min} to ${max}`);
    }
    return value;
  }

  number(name: string, fallback: number): number {
    const value = this.values[name];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`parameter "${name}" must be a number`);
    return value;
  }

  strings(name: string, fallback: readonly string[]): string[] {
    const value = this.values[name];
    if (value === undefined || value === null) return [...fallback];
    if (
      !Array.isArray(value) ||
      value.length === 0 ||
      !value.every((item) => typeof item === 'string' && item.length > 0)
    ) {
      throw new Error(`parameter "${name}" must be a non-empty array of non-empty strings`);
    }
    return value as string[];
  }

  object(name: string): Record<string, unknown> | undefined {
    const value = this.values[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`parameter "${name}" must be an object`);
    return value as Record<string, unknown>;
  }
}

/** The partition key a partitioned example job needs; a run without one is a definition/run mismatch. */
export function requirePartitionKey(partitionKey: string | null, job: string): string {
  if (!partitionKey) throw new Error(`${job} needs the run's partitionKey`);
  return partitionKey;
}
