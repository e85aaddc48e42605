import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import {
  listHistory,
  materializationsByEventIds,
  type Materialization,
} from '../../../projections/asset-history/asset-history.queries.js';
import type { Database } from '../../../projections/database.js';
import { DomainError } from '../../domain/domain-error.js';
import type { EventStore } from '../../events/event-store.js';
import { ConsumerRegistry } from '../../projector/consumer-registry.js';
import { DB, EVENT_STORE } from '../../runtime/tokens.js';
import { WorkflowCommandService } from '../../workflows/workflow-command.service.js';
import { declarationsOf, partitioningOf } from '../asset-declarations.js';
import type { AssetProduced } from '../asset.events.js';
import { resolvePartitionKey } from '../asset.decider.js';
import { READ_MODELS, waitForReadModels } from '../read-models.js';
import type { DiffQuery } from './asset-diff.http-schemas.js';
import { diffPayloads } from './json-patch.js';

/**
 * `GET /workflows/:slug/assets/:assetId/history/diff`: the RFC 6902 patch between two materializations. Explicit
 * `from`/`to` are event sequences read straight from the stream (one direct get each, whatever the history length);
 * the defaults come from the history read model: the latest (of `partitionKey`) and the one before it in the same
 * partition.
 */
@Injectable()
export class AssetDiffReads {
  constructor(
    @Inject(WorkflowCommandService) private readonly workflows: WorkflowCommandService,
    @Inject(ConsumerRegistry) private readonly consumers: ConsumerRegistry,
    @Inject(DB) private readonly db: Kysely<Database>,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async diff(slug: string, assetId: string, query: DiffQuery) {
    const { workflow } = await this.workflows.require(slug);
    const declarations = declarationsOf(workflow).filter((d) => d.assetId === assetId);
    if (declarations.length === 0)
      throw new DomainError('asset_not_found', `Workflow "${slug}" does not declare the asset "${assetId}".`, {
        slug,
        assetId,
      });
    const partitionKey =
      query.partitionKey === undefined
        ? undefined
        : resolvePartitionKey(partitioningOf(declarations), query.partitionKey, 'query/partitionKey');
    await waitForReadModels(this.consumers, [READ_MODELS.history, READ_MODELS.runs], query.minSeq);
    const to =
      query.to === undefined
        ? await this.newest(slug, assetId, partitionKey)
        : await this.materializationAt(slug, assetId, query.to, 'to');
    if (!to) {
      throw new DomainError('materialization_not_found', `The asset "${assetId}" has no materialization yet.`, {
        slug,
        assetId,
      });
    }
    const from =
      query.from === undefined
        ? await this.newest(slug, assetId, to.partitionKey, { producedAt: to.producedAt, seq: to.eventSeq })
        : await this.materializationAt(slug, assetId, query.from, 'from');
    const patch = from ? diffPayloads(from.payload, to.payload) : [{ op: 'add' as const, path: '', value: to.payload }];
    return { data: { assetId, from, to, patch } };
  }

  private async newest(
    slug: string,
    assetId: string,
    partitionKey: string | null | undefined,
    before?: { producedAt: string; seq: number },
  ): Promise<Materialization | null> {
    const rows = await listHistory(this.db, {
      slug,
      assetId,
      ...(partitionKey === undefined ? {} : { partitionKey }),
      limit: 1,
      ...(before ? { before } : {}),
    });
    return rows[0] ?? null;
  }

  /** The `asset.produced` event at `seq` if it is a materialization of this workflow's asset; 404 otherwise. */
  private async materializationAt(
    slug: string,
    assetId: string,
    seq: number,
    which: 'from' | 'to',
  ): Promise<Materialization> {
    const event = seq <= (await this.store.lastSequence()) ? await this.store.readAt(seq) : null;
    const data = event?.type === 'asset.produced' ? (event.data as AssetProduced) : null;
    if (!event || !data || data.workflowSlug !== slug || data.assetId !== assetId) {
      throw new DomainError(
        'materialization_not_found',
        `Event ${seq} (query/${which}) is not a materialization of "${assetId}" by workflow "${slug}".`,
        { slug, assetId, [which]: seq },
      );
    }
    // The read model adds the run's status; the event alone answers while the history has not applied it yet.
    const stored = (await materializationsByEventIds(this.db, [event.id])).get(event.id);
    if (stored) return { ...stored, eventSeq: event.seq };
    return {
      assetId,
      workflowSlug: slug,
      runId: data.workflowRunId,
      stepId: data.stepId,
      partitionKey: data.partitionKey,
      producedAt: data.producedAt,
      payload: data.payload ?? null,
      schema: data.schema,
      freshness: (data.freshness as Record<string, unknown> | null) ?? null,
      runStatus: null,
      eventSeq: event.seq,
    };
  }
}
