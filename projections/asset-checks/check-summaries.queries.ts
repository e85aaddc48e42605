import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.js';
import { readByIndex } from '../index-order.js';

/** One check's verdict on one materialization, as history entries and partition listings show it. */
export interface CheckSummary {
  name: string;
  passed: boolean;
  severity: string;
  blocking: boolean;
}

/**
 * The check results of a page of materializations (by their `asset.produced` event ids), in one query over
 * `asset_check_produced_idx` (`produced_event_id = any($1)`, sequential scans priced out: the planner has no
 * statistics to tell it a page is a few rows). Per materialization, the newest result of each check wins (the
 * service may evaluate a check again later, e.g. freshness at expiry), in the order the checks were first
 * evaluated; a materialization without results maps to an empty list.
 */
export async function checkSummariesByProducedIds(
  db: Kysely<Database>,
  producedEventIds: readonly string[],
): Promise<Map<string, CheckSummary[]>> {
  const ids = [...new Set(producedEventIds)];
  const summaries = new Map<string, CheckSummary[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return summaries;
  const result = await readByIndex(db, (tx) =>
    sql<{
      produced_event_id: string;
      check_name: string;
      passed: boolean;
      severity: string;
      blocking: boolean;
      seq: string;
    }>`select produced_event_id, check_name, passed, severity, blocking, seq from asset_check
      where produced_event_id = any(${ids}::text[])`.execute(tx),
  );
  const rows = [...result.rows].sort((a, b) => Number(a.seq) - Number(b.seq));
  for (const row of rows)
    keepNewest(summaries.get(row.produced_event_id)!, {
      name: row.check_name,
      passed: row.passed,
      severity: row.severity,
      blocking: row.blocking,
    });
  return summaries;
}

/**
 * Adds a check result (given oldest first) to a materialization's list: a later result of the same check replaces
 * the earlier one in its place, so the list is the newest result of each check in the order they first ran.
 */
export function keepNewest(list: CheckSummary[], summary: CheckSummary): void {
  const index = list.findIndex(({ name }) => name === summary.name);
  if (index === -1) list.push(summary);
  else list[index] = summary;
}
