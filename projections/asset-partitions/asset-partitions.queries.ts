import { sql, type Kysely, type Selectable } from 'kysely';
import type { PartitionPosition } from '../../src/assets/partition-position.js';
import type { AssetPartitionTable } from '../asset-materializations/asset-materializations.table.js';
import type { Database } from '../database.js';
import { primaryKeyProbe, readInIndexOrder } from '../index-order.js';

/** One stored partition of a workflow's asset, as the read side needs it. */
export interface PartitionRecord {
  workflowSlug: string;
  assetId: string;
  partitionKey: string | null;
  position: PartitionPosition;
  materializations: number;
  latestEventId: string | null;
  latestSeq: number | null;
  latestProducedAt: string | null;
  expiredAt: string | null;
  expiredReason: string | null;
  staleMark: { requestedAt: string; requestedBy: string; note: string | null } | null;
  parameters: unknown;
  parametersSource: string | null;
  parametersUpdatedAt: string | null;
}

const COLUMNS = [
  'workflow_slug',
  'asset_id',
  'partition_key',
  'partition_key_norm',
  'sort_key',
  'materializations',
  'latest_event_id',
  'latest_seq',
  'latest_produced_at',
  'expired_at',
  'expired_reason',
  'stale_requested_at',
  'stale_requested_by',
  'stale_note',
  'parameters',
  'parameters_source',
  'parameters_updated_at',
] as const;

type PartitionRow = Pick<Selectable<AssetPartitionTable>, (typeof COLUMNS)[number]>;

const iso = (value: Date | null): string | null => (value === null ? null : value.toISOString());

/** Explicit row → record mapping. */
export function toPartitionRecord(row: PartitionRow): PartitionRecord {
  return {
    workflowSlug: row.workflow_slug,
    assetId: row.asset_id,
    partitionKey: row.partition_key,
    position: { sortKey: row.sort_key, keyNorm: row.partition_key_norm },
    materializations: row.materializations,
    latestEventId: row.latest_event_id,
    latestSeq: row.latest_seq,
    latestProducedAt: iso(row.latest_produced_at),
    expiredAt: iso(row.expired_at),
    expiredReason: row.expired_reason,
    staleMark: row.stale_requested_at
      ? {
          requestedAt: row.stale_requested_at.toISOString(),
          requestedBy: row.stale_requested_by ?? 'unknown',
          note: row.stale_note,
        }
      : null,
    parameters: row.parameters ?? null,
    parametersSource: row.parameters_source,
    parametersUpdatedAt: iso(row.parameters_updated_at),
  };
}

/**
 * A workflow's partitions of one asset in listing order (sort key desc, key by code point), after a position:
 * a keyset page on `asset_partition_order_idx`, whatever the partition count.
 */
export async function listPartitionsAfter(
  db: Kysely<Database>,
  filter: { slug: string; assetId: string; after?: PartitionPosition; limit: number },
): Promise<PartitionRecord[]> {
  return readInIndexOrder(db, async (tx) => {
    let query = tx
      .selectFrom('asset_partition')
      .select(COLUMNS)
      .where('workflow_slug', '=', filter.slug)
      .where('asset_id', '=', filter.assetId)
      .orderBy('sort_key', 'desc')
      .orderBy(sql`partition_key_norm collate "C"`)
      .limit(filter.limit);
    if (filter.after) {
      const { sortKey, keyNorm } = filter.after;
      query = query
        .where('sort_key', '<=', sortKey)
        .where(sql<boolean>`(sort_key < ${sortKey} or partition_key_norm collate "C" > ${keyNorm})`);
    }
    return (await query.execute()).map(toPartitionRecord);
  });
}

/** Which of these keys (normalized) a workflow's asset already has a row for: one primary-key probe per key. */
export async function existingPartitionKeys(
  db: Kysely<Database>,
  slug: string,
  assetId: string,
  keys: readonly string[],
): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await sql<{ partition_key_norm: string }>`
    select p.partition_key_norm from unnest(${[...keys]}::text[]) as k(key)
    cross join lateral (${primaryKeyProbe(sql`asset_partition`, sql`(${slug}, ${assetId}, k.key)`)}) p
    where p.workflow_slug = ${slug} and p.asset_id = ${assetId} and p.partition_key_norm = k.key`.execute(db);
  return new Set(rows.rows.map((row) => row.partition_key_norm));
}

/** How many partitions a workflow's asset has rows for: reads every one of them (only on request, `?total=true`). */
export async function countPartitions(db: Kysely<Database>, slug: string, assetId: string): Promise<number> {
  const row = await db
    .selectFrom('asset_partition')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('workflow_slug', '=', slug)
    .where('asset_id', '=', assetId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
