import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import {
  materializationsByEventIds,
  type Materialization,
} from '../../projections/asset-history/asset-history.queries.js';
import {
  type CatalogEntry,
  catalogEntries,
  flaggedPartitionsPerAsset,
  latestPartitionsOfAsset,
  listCatalogAssetIds,
  newestPartitionsPerAsset,
  newestProductions,
} from '../../projections/asset-partitions/asset-catalog.queries.js';
import type { PartitionRecord } from '../../projections/asset-partitions/asset-partitions.queries.js';
import type { Database } from '../../projections/database.js';
import { listDeclarations } from '../../projections/workflow-definitions/workflow-definitions.queries.js';
import { DomainError } from '../domain/domain-error.js';
import { decodeCursor, encodeCursor, isCursorInstant, isCursorSeq, isCursorText } from '../http/cursor.js';
import { ConsumerRegistry } from '../projector/consumer-registry.js';
import { DB } from '../runtime/tokens.js';
import { ASSET_ID_PATTERN } from '../workflows/asset-declaration.schema.js';
import { rolesOf } from './asset-declarations.js';
import { buildAssetGraph, type StalePartition } from './asset-graph.js';
import type { PageQuery } from './asset.http-schemas.js';
import { READ_MODELS, waitForReadModels } from './read-models.js';

const ALL_READ_MODELS = [READ_MODELS.definitions, READ_MODELS.partitions, READ_MODELS.history, READ_MODELS.runs];
const GRAPH_LATEST_PER_ASSET = 10;
const GRAPH_STALE_PER_ASSET = 50;
const assetIdPattern = new RegExp(ASSET_ID_PATTERN);

/** Reads across workflows: the global catalog, one asset, the lineage graph. */
@Injectable()
export class AssetCatalogReads {
  constructor(
    @Inject(ConsumerRegistry) private readonly consumers: ConsumerRegistry,
    @Inject(DB) private readonly db: Kysely<Database>,
  ) {}

  /** `GET /assets`: every declared or produced asset by id (cursor = last id), with totals and the newest materialization. */
  async catalog(query: PageQuery) {
    const cursor = decodeCursor<{ a: string }>(query.cursor, (v) => isCursorText(v.a));
    await waitForReadModels(this.consumers, ALL_READ_MODELS, query.minSeq);
    const ids = await listCatalogAssetIds(this.db, { limit: query.limit + 1, ...(cursor ? { after: cursor.a } : {}) });
    const page = ids.slice(0, query.limit);
    const [declarations, entries] = await Promise.all([
      listDeclarations(this.db, { assetIds: page }),
      catalogEntries(this.db, page),
    ]);
    const latest = await materializationsByEventIds(
      this.db,
      [...entries.values()].flatMap((entry) => (entry.latestEventId ? [entry.latestEventId] : [])),
    );
    const assets = page.map((assetId) => {
      const entry = entries.get(assetId);
      return {
        assetId,
        ...rolesOf(declarations.filter((d) => d.assetId === assetId)),
        partitionCount: entry?.partitionCount ?? 0,
        materializations: entry?.materializations ?? 0,
        latest: (entry?.latestEventId && latest.get(entry.latestEventId)) || null,
      };
    });
    return {
      data: { assets },
      meta: { nextCursor: ids.length > query.limit ? encodeCursor({ a: page[page.length - 1]! }) : null },
    };
  }

  /** `GET /assets/:assetId`: producers and consumers everywhere, the latest materialization per workflow × partition. */
  async asset(assetId: string, query: PageQuery) {
    const cursor = decodeCursor<{ p: string; s: number }>(
      query.cursor,
      (v) => isCursorInstant(v.p) && isCursorSeq(v.s),
    );
    await waitForReadModels(this.consumers, ALL_READ_MODELS, query.minSeq);
    const { declarations, entry } = await this.requireAsset(assetId);
    const records = await latestPartitionsOfAsset(this.db, assetId, {
      limit: query.limit + 1,
      ...(cursor ? { before: { producedAt: cursor.p, seq: cursor.s } } : {}),
    });
    const page = records.slice(0, query.limit);
    const byEvent = await materializationsByEventIds(this.db, [
      ...page.map((r) => r.latestEventId!),
      ...(entry?.latestEventId ? [entry.latestEventId] : []),
    ]);
    const last = page[page.length - 1];
    return {
      data: {
        assetId,
        ...rolesOf(declarations),
        partitionCount: entry?.partitionCount ?? 0,
        materializations: entry?.materializations ?? 0,
        latest: (entry?.latestEventId && byEvent.get(entry.latestEventId)) || null,
        latestMaterializations: page.flatMap((record) => byEvent.get(record.latestEventId!) ?? []),
      },
      meta: {
        nextCursor:
          records.length > query.limit && last ? encodeCursor({ p: last.latestProducedAt, s: last.latestSeq }) : null,
      },
    };
  }

  /** Declarations and catalog totals of an asset; 404 when no workflow declares it and nothing produced it. */
  private async requireAsset(assetId: string) {
    const valid = assetIdPattern.test(assetId) && assetId.length <= 200;
    const [declarations, entries] = valid
      ? await Promise.all([listDeclarations(this.db, { assetId }), catalogEntries(this.db, [assetId])])
      : [[], new Map<string, CatalogEntry>()];
    const entry = entries.get(assetId);
    if (declarations.length === 0 && !entry) {
      throw new DomainError('asset_not_found', `No workflow declares or produced the asset "${assetId}".`, { assetId });
    }
    return { declarations, entry };
  }

  /** `GET /assets/graph`: nodes, edges, stale partitions and outdated upstreams (capped per asset). */
  async graph(minSeq: number | undefined) {
    await waitForReadModels(this.consumers, ALL_READ_MODELS, minSeq);
    const [declarations, newestProducedAt] = await Promise.all([
      listDeclarations(this.db, {}),
      newestProductions(this.db),
    ]);
    const ids = [...new Set([...declarations.map((d) => d.assetId), ...newestProducedAt.keys()])];
    const [newest, flagged] = await Promise.all([
      newestPartitionsPerAsset(this.db, ids, GRAPH_LATEST_PER_ASSET),
      flaggedPartitionsPerAsset(this.db, ids, GRAPH_STALE_PER_ASSET),
    ]);
    const byEvent = await materializationsByEventIds(
      this.db,
      newest.map((record) => record.latestEventId!),
    );
    const latestMaterializations = groupBy(
      newest.flatMap((record) => withoutPayload(byEvent.get(record.latestEventId!))),
      (m) => m.assetId,
    );
    const stalePartitions = new Map(
      [...groupBy(flagged, (r) => r.assetId)].map(([assetId, records]) => [assetId, records.map(toStalePartition)]),
    );
    return { data: buildAssetGraph({ declarations, newestProducedAt, latestMaterializations, stalePartitions }) };
  }
}

function withoutPayload(materialization: Materialization | undefined): Omit<Materialization, 'payload'>[] {
  if (!materialization) return [];
  const { payload: _payload, ...rest } = materialization;
  return [rest];
}

function toStalePartition(record: PartitionRecord): StalePartition {
  return {
    workflowSlug: record.workflowSlug,
    partitionKey: record.partitionKey,
    reason: record.staleMark ? 'manual' : 'expired',
    requestedAt: record.staleMark?.requestedAt ?? null,
    requestedBy: record.staleMark?.requestedBy ?? null,
    note: record.staleMark?.note ?? null,
    expiredAt: record.expiredAt,
  };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}
