import type { TriggerSpec } from './materializer.events.js';
import type { TargetState } from './saga-state.js';

/**
 * What a waiting trigger's run is for: any run serves an upstream update, an expiry, a stale mark or a dependency
 * (`plain`), while a backfill is served only by a run with its parameters. Two backfill triggers with equal
 * parameters coalesce; unequal ones each wait for their own run.
 */
export function waitKey(spec: TriggerSpec): string {
  return spec.backfill ? `backfill:${canonicalJson(spec.backfill.parameters ?? null)}` : 'plain';
}

/**
 * The waiting trigger `spec` folds into, if any: the one with its key; for a plain trigger the pending one (any
 * run serves it); for a backfill a plain pending one (the backfill's run serves it).
 */
export function waitingMatch(target: TargetState | undefined, spec: TriggerSpec): TriggerSpec | null {
  const pending = target?.pending ?? null;
  if (!pending) return null;
  const key = waitKey(spec);
  if (key === 'plain' || waitKey(pending) === 'plain' || waitKey(pending) === key) return pending;
  return (target?.queued ?? []).find((queued) => waitKey(queued) === key) ?? null;
}

/**
 * Puts a trigger that now waits (coalesced or deferred, already folded) in its place: over the pending one or the
 * queued one it was folded into, else pending when nothing is, else last in the queue.
 */
export function placeWaiting(target: TargetState, trigger: TriggerSpec): Pick<TargetState, 'pending' | 'queued'> {
  const key = waitKey(trigger);
  const { pending, queued } = target;
  if (!pending || key === 'plain' || waitKey(pending) === 'plain' || waitKey(pending) === key)
    return { pending: trigger, queued };
  const index = queued.findIndex((entry) => waitKey(entry) === key);
  if (index < 0) return { pending, queued: [...queued, trigger] };
  return { pending, queued: queued.map((entry, i) => (i === index ? trigger : entry)) };
}

/**
 * A trigger left waiting (it became a run, or was refused): the waiting trigger it was folded from goes, and the
 * first queued one, if any, becomes the pending one (it waits for the run now in flight).
 */
export function releaseWaiting(target: TargetState, trigger: TriggerSpec): Pick<TargetState, 'pending' | 'queued'> {
  const key = waitKey(trigger);
  const { pending } = target;
  const queued = target.queued.filter((entry) => waitKey(entry) !== key);
  const pendingServed = pending !== null && (waitKey(pending) === key || waitKey(pending) === 'plain');
  if (pending && !pendingServed) return { pending, queued };
  return { pending: queued[0] ?? null, queued: queued.slice(1) };
}

/** JSON with object keys sorted, so equal parameter sets compare equal whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}
