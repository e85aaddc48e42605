import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.js';
import { primaryKeyProbe } from '../index-order.js';
import { toPartitionRecord, type PartitionRecord } from './asset-partitions.queries.js';

/**
 * The rows of one asset partition (normalized key) in each of these workflows: one primary-key probe per workflow,
 * whatever the partition count (the freshness gate asks about one partition of an asset its producers write).
 */
export async function partitionInWorkflows(
  db: Kysely<Database>,
  slugs: readonly string[],
  assetId: string,
  partitionKeyNorm: string,
): Promise<PartitionRecord[]> {
  if (slugs.length === 0) return [];
  const result = await sql<Parameters<typeof toPartitionRecord>[0]>`
    select p.workflow_slug, p.asset_id, p.partition_key, p.partition_key_norm, p.sort_key, p.materializations,
      p.latest_event_id, p.latest_seq, p.latest_produced_at, p.expired_at, p.expired_reason, p.stale_requested_at,
      p.stale_requested_by, p.stale_note, p.parameters, p.parameters_source, p.parameters_updated_at
    from unnest(${[...slugs]}::text[]) as w(slug)
    cross join lateral (${primaryKeyProbe(sql`asset_partition`, sql`(w.slug, ${assetId}, ${partitionKeyNorm})`)}) p
    where p.workflow_slug = w.slug and p.asset_id = ${assetId} and p.partition_key_norm = ${partitionKeyNorm}`.execute(
    db,
  );
  return result.rows.map(toPartitionRecord);
}
