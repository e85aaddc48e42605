import { snapshotCodec } from '../domain/snapshot-codec.js';
import type { ManagedBackfill } from './backfill.saga.js';
import type { BackfillRequested } from './backfill.events.js';

/** How far an active backfill got: what `backfill_manager_backfill.progress` holds. */
export type BackfillManagerProgress = Pick<ManagedBackfill, 'next' | 'canceled' | 'finished'>;

/** `backfill_manager_backfill.progress`, version 1 (STYLE §6: a versioned snapshot, not the in-memory type). */
export interface ProgressSnapshotV1 {
  v: 1;
  next: number;
  canceled: boolean;
  finished: { succeeded: number; failed: number; canceled: number; skipped: number };
}

export const progressSnapshot = snapshotCodec<BackfillManagerProgress, ProgressSnapshotV1>({
  name: 'backfill_manager_backfill.progress',
  version: 1,
  encode: (progress) => ({ v: 1, ...copyProgress(progress) }),
  decode: copyProgress,
});

/** The stored fields of a backfill's progress, spelled out (the same in both directions). */
function copyProgress({ next, canceled, finished }: BackfillManagerProgress): BackfillManagerProgress {
  const { succeeded, failed, canceled: finishedCanceled, skipped } = finished;
  return { next, canceled, finished: { succeeded, failed, canceled: finishedCanceled, skipped } };
}

/**
 * `backfill_manager_backfill.request`, version 1: the `backfill.requested` payload (a storage contract of its own,
 * with every partition key), written once when the manager first stores the backfill.
 */
export type RequestSnapshotV1 = BackfillRequested & { v: 1 };

export const requestSnapshot = snapshotCodec<BackfillRequested, RequestSnapshotV1>({
  name: 'backfill_manager_backfill.request',
  version: 1,
  encode: (request) => ({ ...request, v: 1 }),
  decode: ({ v: _v, ...request }) => request,
});
