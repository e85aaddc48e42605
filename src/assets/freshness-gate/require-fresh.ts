import type { Kysely } from 'kysely';
import type { Database } from '../../../projections/database.js';
import { DomainError } from '../../domain/domain-error.js';
import { readAssetFreshness } from './asset-freshness-reads.js';

/** One line per asset the gate looked at; `ok` only when every one is fresh. */
export interface RequireFreshResult {
  ok: boolean;
  lines: string[];
}

/**
 * `npm run assets -- require-fresh <assetId[@partitionKey]>…`: the freshness gate for scripts without HTTP access.
 * An asset id never contains `@`, so `retail.sales.parquet@2024-05-01` names a partition. An unknown asset or an
 * invalid partition key fails the gate with its reason, like a stale asset does.
 */
export async function requireFresh(
  db: Kysely<Database>,
  targets: readonly string[],
  now: Date,
): Promise<RequireFreshResult> {
  const lines: string[] = [];
  let ok = true;
  for (const target of targets) {
    const at = target.indexOf('@');
    const assetId = at < 0 ? target : target.slice(0, at);
    const partitionKey = at < 0 ? undefined : target.slice(at + 1);
    try {
      const freshness = await readAssetFreshness(db, assetId, partitionKey, now);
      const partition = freshness.partitionKey === null ? '' : ` [${freshness.partitionKey}]`;
      if (freshness.status !== 'fresh') ok = false;
      lines.push(`${freshness.status === 'fresh' ? 'ok' : 'FAIL'}\t${assetId}${partition}\t${freshness.detail}`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      ok = false;
      lines.push(`FAIL\t${target}\t${error.code}: ${error.message}`);
    }
  }
  return { ok, lines };
}
