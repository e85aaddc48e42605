import { sql, type Kysely } from 'kysely';
import type { RunState } from '../../src/runs/run-state.js';
import { runSnapshot } from '../../src/runs/run-snapshot.js';
import type { Database } from '../database.js';

/** Filters of the auto-materialize view (DESIGN §5). */
export interface AutoMaterializeFilter {
  slug: string;
  limit: number;
  assetId?: string;
  partitionKey?: string;
  outcome?: string;
}

/** One decision as the view shows it. */
export interface DecisionView {
  at: string;
  assetId: string;
  partitionKey: string | null;
  outcome: string;
  reason: string;
  runId: string | null;
  detail: string | null;
  eventSeq: number;
  causeSeq: number;
}

/** Recent decisions of a workflow, newest first. */
export async function listDecisions(db: Kysely<Database>, filter: AutoMaterializeFilter): Promise<DecisionView[]> {
  let query = db
    .selectFrom('auto_materialize_decision')
    .select(['at', 'asset_id', 'partition_key', 'outcome', 'reason', 'run_id', 'detail', 'seq', 'cause_seq'])
    .where('workflow_slug', '=', filter.slug)
    .orderBy('seq', 'desc')
    .limit(filter.limit);
  if (filter.assetId) query = query.where('asset_id', '=', filter.assetId);
  if (filter.partitionKey) query = query.where('partition_key', '=', filter.partitionKey);
  if (filter.outcome) query = query.where('outcome', '=', filter.outcome);
  const rows = await query.execute();
  return rows.map((row) => ({
    at: new Date(row.at).toISOString(),
    assetId: row.asset_id,
    partitionKey: row.partition_key,
    outcome: row.outcome,
    reason: row.reason,
    runId: row.run_id,
    detail: row.detail,
    eventSeq: row.seq,
    causeSeq: row.cause_seq,
  }));
}

/** Recent runs whose trigger is `auto-materialize`, newest first (from the run history read model). */
export async function listAutoRuns(
  db: Kysely<Database>,
  filter: Omit<AutoMaterializeFilter, 'outcome'>,
): Promise<RunState[]> {
  let query = db
    .selectFrom('workflow_run')
    .select('state')
    .where('workflow_slug', '=', filter.slug)
    .where('trigger_type', '=', 'auto-materialize')
    .orderBy('requested_seq', 'desc')
    .limit(filter.limit);
  if (filter.partitionKey) query = query.where('partition_key', '=', filter.partitionKey);
  if (filter.assetId) query = query.where(sql<string>`state->'request'->'trigger'->>'assetId'`, '=', filter.assetId);
  return (await query.execute()).map((row) => runSnapshot.decode(row.state));
}
