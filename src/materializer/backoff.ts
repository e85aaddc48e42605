import type { MaterializerContext } from './saga-state.js';

/**
 * Delay before a workflow × partition is eligible again after `failures` consecutive failed or canceled auto runs:
 * `min(MAX, BASE · 2^(failures − 1))` (DESIGN §7). With the defaults: 2, 4, 8, 16, then 30 minutes.
 */
export function backoffDelayMs(failures: number, context: MaterializerContext): number {
  if (failures <= 0) return 0;
  const exponent = Math.min(failures - 1, 40);
  return Math.min(context.maxBackoffMs, context.baseBackoffMs * 2 ** exponent);
}

/** `at + backoffDelayMs(failures)` as an ISO instant. */
export function nextEligibleAt(at: string, failures: number, context: MaterializerContext): string {
  return new Date(Date.parse(at) + backoffDelayMs(failures, context)).toISOString();
}

/** True while `at` is inside the backoff window that ends at `until`. */
export function isBackingOff(until: string | null, at: string): boolean {
  return until !== null && Date.parse(at) < Date.parse(until);
}
