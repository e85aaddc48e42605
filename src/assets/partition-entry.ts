import type { Materialization } from '../../projections/asset-history/asset-history.queries.js';
import type { Freshness } from '../workflows/workflow-definition.js';
import { evaluateFreshness, type StaleMark, type StaleReason } from './freshness/evaluate-freshness.js';
import type { PageItem } from './partition-page.js';

/** A partition as `GET …/partitions` lists it (DESIGN §5 partition entry, plus the stale and parameter facts). */
export interface PartitionEntry {
  partitionKey: string | null;
  materializations: number;
  latest: Materialization | null;
  isStale: boolean;
  staleReasons: StaleReason[];
  expiredAt: string | null;
  staleMetadata: StaleMark | null;
  parameters: unknown;
  parametersSource: string | null;
  parametersUpdatedAt: string | null;
}

/**
 * Maps a page item to its entry: stored partitions with their latest materialization (by event id) and the
 * freshness verdict at `now`; upcoming partitions with zero materializations, never stale.
 */
export function toPartitionEntry(
  item: PageItem,
  latest: ReadonlyMap<string, Materialization>,
  freshness: Freshness | null,
  now: Date,
): PartitionEntry {
  if (item.kind === 'upcoming') {
    return {
      partitionKey: item.partitionKey,
      materializations: 0,
      latest: null,
      isStale: false,
      staleReasons: [],
      expiredAt: null,
      staleMetadata: null,
      parameters: null,
      parametersSource: null,
      parametersUpdatedAt: null,
    };
  }
  const record = item.record;
  const materialization = record.latestEventId ? (latest.get(record.latestEventId) ?? null) : null;
  const effective = freshness ?? (materialization?.freshness as Freshness | null | undefined) ?? null;
  const verdict = evaluateFreshness(effective, record.latestProducedAt, record.expiredAt, record.staleMark, now);
  return {
    partitionKey: record.partitionKey,
    materializations: record.materializations,
    latest: materialization,
    isStale: verdict.isStale,
    staleReasons: verdict.reasons,
    expiredAt: record.expiredAt,
    staleMetadata: record.staleMark,
    parameters: record.parameters,
    parametersSource: record.parametersSource,
    parametersUpdatedAt: record.parametersUpdatedAt,
  };
}
