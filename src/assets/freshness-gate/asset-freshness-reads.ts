import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { materializationsByEventIds } from '../../../projections/asset-history/asset-history.queries.js';
import {
  catalogEntries,
  latestPartitionsOfAsset,
} from '../../../projections/asset-partitions/asset-catalog.queries.js';
import type { PartitionRecord } from '../../../projections/asset-partitions/asset-partitions.queries.js';
import { partitionInWorkflows } from '../../../projections/asset-partitions/freshness.queries.js';
import type { Database } from '../../../projections/database.js';
import { listDeclarations } from '../../../projections/workflow-definitions/workflow-definitions.queries.js';
import { DomainError } from '../../domain/domain-error.js';
import { ConsumerRegistry } from '../../projector/consumer-registry.js';
import { DB } from '../../runtime/tokens.js';
import { ASSET_ID_PATTERN } from '../../workflows/asset-declaration.schema.js';
import type { Freshness } from '../../workflows/workflow-definition.js';
import { freshnessOf, partitioningOf } from '../asset-declarations.js';
import { resolvePartitionKey } from '../asset.decider.js';
import { READ_MODELS, waitForReadModels } from '../read-models.js';
import { freshnessStatus, type FreshnessStatus } from '../freshness/freshness-status.js';

const assetIdPattern = new RegExp(ASSET_ID_PATTERN);

/** The freshness of an asset (or one partition of it), as the gate answers it. */
export interface AssetFreshness extends FreshnessStatus {
  assetId: string;
  /** The partition asked about (null: an unpartitioned asset, or "the newest partition" when none was named). */
  partitionKey: string | null;
  evaluatedAt: string;
  /** The materialization the verdict is about (no payload); null when missing. */
  latest: {
    workflowSlug: string;
    runId: string;
    stepId: string;
    partitionKey: string | null;
    producedAt: string;
    eventSeq: number;
  } | null;
}

/**
 * Reads the freshness of an asset from the read models: with a partition key, that partition (validated against
 * the producers' partitioning) across the workflows that produce it; without one, the newest materialized partition
 * of the asset. When several workflows hold the partition, the newest materialization decides. 404 when no workflow
 * declares the asset and nothing produced it.
 */
export async function readAssetFreshness(
  db: Kysely<Database>,
  assetId: string,
  partitionKey: string | undefined,
  now: Date,
): Promise<AssetFreshness> {
  const valid = assetIdPattern.test(assetId) && assetId.length <= 200;
  const declarations = valid ? await listDeclarations(db, { assetId }) : [];
  const producers = declarations.filter((d) => d.direction === 'produces');
  let key: string | null = null;
  let record: PartitionRecord | null;
  if (partitionKey === undefined) {
    record = valid ? ((await latestPartitionsOfAsset(db, assetId, { limit: 1 }))[0] ?? null) : null;
  } else {
    // Without a producer there is no partitioning to validate against: the asset is unknown (404) or only consumed.
    key =
      producers.length === 0
        ? partitionKey
        : resolvePartitionKey(partitioningOf(producers), partitionKey, 'query/partitionKey');
    const slugs = [...new Set(producers.map((d) => d.workflowSlug))];
    const records = await partitionInWorkflows(db, slugs, assetId, key ?? '');
    record = newest(records.filter((r) => r.materializations > 0)) ?? records[0] ?? null;
  }
  if (declarations.length === 0 && !record && (!valid || !(await catalogEntries(db, [assetId])).has(assetId))) {
    throw new DomainError('asset_not_found', `No workflow declares or produced the asset "${assetId}".`, { assetId });
  }
  const materialization = record?.latestEventId
    ? ((await materializationsByEventIds(db, [record.latestEventId])).get(record.latestEventId) ?? null)
    : null;
  const declared = freshnessOf(producers.filter((d) => d.workflowSlug === record?.workflowSlug));
  const policy = declared ?? (materialization?.freshness as Freshness | null | undefined) ?? null;
  const status = freshnessStatus(policy, record, now);
  return {
    assetId,
    partitionKey: partitionKey === undefined ? (record?.partitionKey ?? null) : key,
    ...status,
    evaluatedAt: now.toISOString(),
    latest: materialization && {
      workflowSlug: materialization.workflowSlug,
      runId: materialization.runId,
      stepId: materialization.stepId,
      partitionKey: materialization.partitionKey,
      producedAt: materialization.producedAt,
      eventSeq: materialization.eventSeq,
    },
  };
}

function newest(records: PartitionRecord[]): PartitionRecord | undefined {
  return [...records].sort(
    (a, b) =>
      Date.parse(b.latestProducedAt ?? '') - Date.parse(a.latestProducedAt ?? '') ||
      (b.latestSeq ?? 0) - (a.latestSeq ?? 0),
  )[0];
}

/** `GET /assets/:assetId/freshness`: waits for `minSeq`, reads, and enforces `require=fresh` (412 otherwise). */
@Injectable()
export class AssetFreshnessReads {
  constructor(
    @Inject(ConsumerRegistry) private readonly consumers: ConsumerRegistry,
    @Inject(DB) private readonly db: Kysely<Database>,
  ) {}

  async freshness(assetId: string, query: FreshnessQuery, now = new Date()) {
    await waitForReadModels(
      this.consumers,
      [READ_MODELS.definitions, READ_MODELS.partitions, READ_MODELS.history],
      query.minSeq,
    );
    const freshness = await readAssetFreshness(this.db, assetId, query.partitionKey, now);
    if (query.require === 'fresh' && freshness.status !== 'fresh') {
      throw new DomainError('asset_not_fresh', `The asset "${assetId}" is ${freshness.detail}.`, { freshness });
    }
    return { data: freshness };
  }
}

/** `?partitionKey=&require=fresh&minSeq=`. */
export interface FreshnessQuery {
  partitionKey?: string;
  require?: 'fresh';
  minSeq?: number;
}
