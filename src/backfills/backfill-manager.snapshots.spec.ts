import { snapshotSpec } from '../../test/support/snapshot-spec.js';
import { aBackfillRequested } from '../../test/support/builders/backfill-events.js';
import { progressSnapshot, requestSnapshot, type BackfillManagerProgress } from './backfill-manager.snapshots.js';

describe('backfill manager snapshots', () => {
  describe('progress (backfill_manager_backfill.progress)', () => {
    const progress: BackfillManagerProgress = {
      next: 3,
      canceled: false,
      finished: { succeeded: 1, failed: 1, canceled: 0, skipped: 0 },
    };
    snapshotSpec(progressSnapshot, { state: progress, legacyRow: progress });
  });
  describe('request (backfill_manager_backfill.request)', () => {
    const request = aBackfillRequested({ partitionKeys: ['2024-01-01', '2024-01-02'] }).data;
    snapshotSpec(requestSnapshot, { state: request, legacyRow: request });
  });
});
