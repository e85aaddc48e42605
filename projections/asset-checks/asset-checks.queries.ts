import type { Kysely } from 'kysely';
import type { Database } from '../database.js';

/** One check result as `GET /workflows/:slug/assets/:assetId/checks` shows it. */
export interface CheckResultView {
  checkName: string;
  severity: string;
  blocking: boolean;
  passed: boolean;
  source: string;
  metadata: unknown;
  violations: Array<{ path: string; message: string }>;
  partitionKey: string | null;
  producedEventId: string;
  workflowRunId: string;
  producedAt: string;
  eventSeq: number;
}

/** Check results of an asset of a workflow, newest first; optionally one partition or one check. */
export async function listCheckResults(
  db: Kysely<Database>,
  filter: { slug: string; assetId: string; limit: number; partitionKey?: string; checkName?: string },
): Promise<CheckResultView[]> {
  let query = db
    .selectFrom('asset_check')
    .selectAll()
    .where('workflow_slug', '=', filter.slug)
    .where('asset_id', '=', filter.assetId)
    .orderBy('seq', 'desc')
    .limit(filter.limit);
  if (filter.partitionKey !== undefined) query = query.where('partition_key', '=', filter.partitionKey);
  if (filter.checkName !== undefined) query = query.where('check_name', '=', filter.checkName);
  const rows = await query.execute();
  return rows.map((row) => ({
    checkName: row.check_name,
    severity: row.severity,
    blocking: row.blocking,
    passed: row.passed,
    source: row.source,
    metadata: row.metadata ?? null,
    violations: row.violations,
    partitionKey: row.partition_key,
    producedEventId: row.produced_event_id,
    workflowRunId: row.workflow_run_id,
    producedAt: new Date(row.produced_at).toISOString(),
    eventSeq: Number(row.seq),
  }));
}
