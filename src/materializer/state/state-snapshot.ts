import type { MaterializerState } from '../saga-state.js';
import type { TrackedState } from './materializer-state.load.js';
import { STATE_MAPS } from './state-keys.js';

/** The loaded entries of every state map, as they were before the batch was decided. */
export type Snapshot = { [K in keyof MaterializerState]: Map<string, unknown> };
/** Rows per write and writes per statement: far below Postgres's 65,535 bind parameters per statement. */
const CHUNK = 500;

/** A copy of the loaded entries (values are immutable, so identity tells what changed). */
export function snapshotState(state: TrackedState): Snapshot {
  const snapshot = {} as Snapshot;
  for (const name of STATE_MAPS)
    snapshot[name] = new Map<string, unknown>([...(state[name] as Map<string, unknown>).entries()]);
  return snapshot;
}

/** Entries whose value differs from the snapshot (values are replaced, never edited). */
export function changed<V>(map: Map<string, V>, before: Map<string, unknown>): Array<[string, V]> {
  return [...map.entries()].filter(([key, value]) => before.get(key) !== value);
}

/** Splits rows into slices of `size`. */
export function chunks<T>(rows: T[], size = CHUNK): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < rows.length; start += size) result.push(rows.slice(start, start + size));
  return result;
}
