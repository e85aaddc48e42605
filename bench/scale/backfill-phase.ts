import type { BenchService } from '../support/bench-service.js';

/**
 * Hook for the backfill figure of issue 10 (time until a 10,000-partition backfill is fully requested). Backfills
 * are built separately; until then this prints that the figure is not measured. Returns report rows.
 */
export async function measureBackfill(_service: BenchService): Promise<Array<[string, string, string?]>> {
  return [['backfill of 10,000 partitions, fully requested', 'n/a', 'not measured yet: backfills are not built']];
}
