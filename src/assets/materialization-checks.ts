import type { Kysely } from 'kysely';
import {
  checkSummariesByProducedIds,
  type CheckSummary,
} from '../../projections/asset-checks/check-summaries.queries.js';
import {
  materializationsByEventIds,
  type Materialization,
} from '../../projections/asset-history/asset-history.queries.js';
import type { Database } from '../../projections/database.js';

/** A materialization as history entries and partition listings show it: with its check results (DESIGN §14). */
export type CheckedMaterialization = Materialization & { checks: CheckSummary[] };

/**
 * Materializations by `asset.produced` event id (a partition page's latest ones), each with its check results;
 * both reads run side by side.
 */
export async function materializationsWithChecks(
  db: Kysely<Database>,
  eventIds: readonly string[],
): Promise<Map<string, CheckedMaterialization>> {
  const [materializations, checks] = await Promise.all([
    materializationsByEventIds(db, eventIds),
    checkSummariesByProducedIds(db, eventIds),
  ]);
  return new Map(
    [...materializations].map(([eventId, materialization]) => [
      eventId,
      { ...materialization, checks: checks.get(eventId) ?? [] },
    ]),
  );
}
