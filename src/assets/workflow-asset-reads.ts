import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import {
  latestOfWorkflowAssets,
  producedAssetIds,
  type HistoryFilter,
} from '../../projections/asset-history/asset-history.queries.js';
import { readHistoryPages, type CheckedHistoryEntry } from '../../projections/asset-history/history-pages.queries.js';
import {
  countPartitions,
  existingPartitionKeys,
  listPartitionsAfter,
} from '../../projections/asset-partitions/asset-partitions.queries.js';
import { listCheckResults } from '../../projections/asset-checks/asset-checks.queries.js';
import { materializationsWithChecks } from './materialization-checks.js';
import { CoalescedReads } from '../db/coalesced-reads.js';
import type { Database } from '../../projections/database.js';
import type { DeclarationRow } from './asset-declarations.js';
import { DomainError } from '../domain/domain-error.js';
import { decodeCursor, encodeCursor, isCursorInstant, isCursorInt, isCursorSeq, isCursorText } from '../http/cursor.js';
import { ConsumerRegistry } from '../projector/consumer-registry.js';
import { DB } from '../runtime/tokens.js';
import { WorkflowCommandService } from '../workflows/workflow-command.service.js';
import type { WorkflowDefinition } from '../workflows/workflow-definition.js';
import { declarationsOf, freshnessOf, partitioningOf, rolesOf } from './asset-declarations.js';
import { resolvePartitionKey } from './asset.decider.js';
import type { ChecksQuery, HistoryQuery, PartitionsQuery } from './asset.http-schemas.js';
import { toPartitionEntry } from './partition-entry.js';
import { pagePartitions } from './partition-page.js';
import { compareCodePoints, type PartitionPosition } from './partition-position.js';
import { READ_MODELS, waitForReadModels } from './read-models.js';
import { upcomingPartitions } from './upcoming-partitions.js';

const isHistoryCursor = (v: Record<string, unknown>) => isCursorInstant(v.p) && isCursorSeq(v.s);
const isPartitionCursor = (v: Record<string, unknown>) => isCursorInt(v.s) && isCursorText(v.k);
/**
 * History pages read together: up to 200 per statement, 4 statements at a time (a quarter of the page-read pool), so
 * the reads a position notification wakes at once cost one round trip, not one each.
 */
const HISTORY_BATCHES = { maxBatch: 200, maxInFlight: 4 };

/**
 * Reads of one workflow's assets: inventory, history, partitions. The workflow (and so its declarations) is read
 * from the event log (reused for up to a second, and read again before a request is refused because of it), so a
 * just-registered workflow or a just-added asset is never reported missing; materializations come from the read
 * models, after waiting for `minSeq`.
 */
@Injectable()
export class WorkflowAssetReads {
  private readonly historyPages: CoalescedReads<HistoryFilter, CheckedHistoryEntry[]>;

  constructor(
    @Inject(WorkflowCommandService) private readonly workflows: WorkflowCommandService,
    @Inject(ConsumerRegistry) private readonly consumers: ConsumerRegistry,
    @Inject(DB) private readonly db: Kysely<Database>,
  ) {
    this.historyPages = new CoalescedReads((filters) => readHistoryPages(this.db, filters), HISTORY_BATCHES);
  }

  /** `GET /workflows/:slug/assets`: declared and produced assets, each with its newest materialization. */
  async inventory(slug: string, minSeq: number | undefined) {
    const { workflow } = await this.workflows.requireRecent(slug);
    await waitForReadModels(this.consumers, [READ_MODELS.history, READ_MODELS.runs], minSeq);
    const declarations = declarationsOf(workflow);
    const ids = [...new Set([...declarations.map((d) => d.assetId), ...(await producedAssetIds(this.db, slug))])].sort(
      compareCodePoints,
    );
    const latest = await latestOfWorkflowAssets(this.db, slug, ids);
    const assets = ids.map((assetId) => {
      const newest = latest.get(assetId) ?? null;
      return {
        assetId,
        ...rolesOf(declarations.filter((d) => d.assetId === assetId)),
        latest: newest,
        available: newest !== null,
      };
    });
    return { data: { assets } };
  }

  /** `GET /workflows/:slug/assets/:assetId/history`: newest first, keyset cursor on (producedAt, seq). */
  async history(slug: string, assetId: string, query: HistoryQuery) {
    const { declarations, partitionKey } = await this.declared(slug, assetId, (_, declarations) => ({
      declarations,
      partitionKey: this.partitionKeyOf(declarations, query.partitionKey),
    }));
    const cursor = decodeCursor<{ p: string; s: number }>(query.cursor, isHistoryCursor);
    await waitForReadModels(this.consumers, [READ_MODELS.history, READ_MODELS.runs, READ_MODELS.checks], query.minSeq);
    const rows = await this.historyPages.read({
      slug,
      assetId,
      partitionKey,
      limit: query.limit + 1,
      ...(cursor ? { before: { producedAt: cursor.p, seq: cursor.s } } : {}),
    });
    const history = rows.slice(0, query.limit);
    const last = history[history.length - 1];
    const nextCursor =
      rows.length > query.limit && last ? encodeCursor({ p: last.producedAt, s: last.eventSeq }) : null;
    return {
      data: { assetId, ...rolesOf(declarations), history, limit: query.limit, partitionKey },
      meta: { nextCursor },
    };
  }

  /** `GET /workflows/:slug/assets/:assetId/checks`: the declared checks and their results, newest first. */
  async checks(slug: string, assetId: string, query: ChecksQuery) {
    const { workflow, partitionKey } = await this.declared(slug, assetId, (workflow, declarations) => ({
      workflow,
      partitionKey: this.partitionKeyOf(declarations, query.partitionKey),
    }));
    const declared = workflow.steps.flatMap((step) =>
      step.produces
        .filter((declaration) => declaration.assetId === assetId)
        .flatMap((declaration) =>
          (declaration.checks ?? []).map((check) => ({
            stepId: step.id,
            name: check.name,
            description: check.description ?? null,
            severity: check.severity,
            blocking: check.blocking ?? false,
            payloadSchema: check.payloadSchema ?? null,
            freshness: check.freshness ?? null,
          })),
        ),
    );
    await waitForReadModels(this.consumers, [READ_MODELS.checks], query.minSeq);
    const results = await listCheckResults(this.db, {
      slug,
      assetId,
      limit: query.limit,
      ...(partitionKey === null ? {} : { partitionKey }),
      ...(query.check === undefined ? {} : { checkName: query.check }),
    });
    return {
      data: { assetId, declared, results, limit: query.limit, partitionKey, check: query.check ?? null },
    };
  }

  /** `GET /workflows/:slug/assets/:assetId/partitions`: stored and upcoming partitions, one page at a time. */
  async partitions(slug: string, assetId: string, query: PartitionsQuery, now = new Date()) {
    const declarations = await this.declared(slug, assetId, (_, declarations) => declarations);
    const partitioning = partitioningOf(declarations);
    const cursor = decodeCursor<{ s: number; k: string }>(query.cursor, isPartitionCursor);
    await waitForReadModels(
      this.consumers,
      [READ_MODELS.partitions, READ_MODELS.history, READ_MODELS.runs, READ_MODELS.checks],
      query.minSeq,
    );
    const upcoming = upcomingPartitions(partitioning, {
      now,
      ...(query.lookback === undefined ? {} : { lookback: query.lookback }),
    });
    const source = {
      known: (after: PartitionPosition | undefined, limit: number) =>
        listPartitionsAfter(this.db, { slug, assetId, limit, ...(after ? { after } : {}) }),
      existing: (keys: string[]) => existingPartitionKeys(this.db, slug, assetId, keys),
    };
    const page = await pagePartitions(
      source,
      upcoming,
      cursor ? { sortKey: cursor.s, keyNorm: cursor.k } : undefined,
      query.limit,
    );
    const latestIds = page.items.flatMap((item) =>
      item.kind === 'known' && item.record.latestEventId ? [item.record.latestEventId] : [],
    );
    const latest = await materializationsWithChecks(this.db, latestIds);
    const freshness = freshnessOf(declarations);
    const partitions = page.items.map((item) => toPartitionEntry(item, latest, freshness, now));
    const nextCursor = page.next ? encodeCursor({ s: page.next.sortKey, k: page.next.keyNorm }) : null;
    const total = query.total ? await this.total(slug, assetId, upcoming.keys()) : undefined;
    return {
      data: { assetId, partitioning, partitions },
      meta: { nextCursor, ...(total === undefined ? {} : { total }) },
    };
  }

  /** Stored partitions plus upcoming ones not stored yet (`?total=true` only: it counts every stored partition). */
  private async total(slug: string, assetId: string, upcomingKeys: string[]): Promise<number> {
    const [stored, overlap] = await Promise.all([
      countPartitions(this.db, slug, assetId),
      existingPartitionKeys(this.db, slug, assetId, upcomingKeys),
    ]);
    return stored + upcomingKeys.length - overlap.size;
  }

  /**
   * What `use` makes of the workflow and its declarations of one asset (404 for an unknown workflow or an asset it
   * does not declare). From a definition read up to a second ago; when that one makes `use` refuse the request
   * (any `DomainError`: 404, an invalid partition key), from the log as it is now, so a change made a moment ago
   * through another instance is never the reason for a refusal.
   */
  private async declared<T>(
    slug: string,
    assetId: string,
    use: (workflow: WorkflowDefinition, declarations: DeclarationRow[]) => T,
  ): Promise<T> {
    const recent = await this.workflows.requireRecent(slug).catch((error: unknown) => {
      if (error instanceof DomainError) return null;
      throw error;
    });
    if (recent) {
      try {
        return use(recent.workflow, assetDeclarations(recent.workflow, slug, assetId));
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
      }
    }
    const { workflow } = await this.workflows.requireRecent(slug, { fresh: true });
    return use(workflow, assetDeclarations(workflow, slug, assetId));
  }

  private partitionKeyOf(declarations: DeclarationRow[], requested: string | undefined): string | null {
    return requested === undefined
      ? null
      : resolvePartitionKey(partitioningOf(declarations), requested, 'query/partitionKey');
  }
}

function assetDeclarations(workflow: WorkflowDefinition, slug: string, assetId: string): DeclarationRow[] {
  const declarations = declarationsOf(workflow).filter((d) => d.assetId === assetId);
  if (declarations.length === 0)
    throw new DomainError('asset_not_found', `Workflow "${slug}" does not declare the asset "${assetId}".`, {
      slug,
      assetId,
    });
  return declarations;
}
