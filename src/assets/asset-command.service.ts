import { Inject, Injectable } from '@nestjs/common';
import { toEnvelope } from '../events/envelope.js';
import type { EventStore } from '../events/event-store.js';
import { assertRunRequestFits, definitionLayers } from '../runs/run-request-size.js';
import { EVENT_STORE } from '../runtime/tokens.js';
import { WorkflowCommandService } from '../workflows/workflow-command.service.js';
import type { AssetCommand } from './asset.commands.js';
import { decideAsset, type DecidedAssetEvent } from './asset.decider.js';
import { ASSET_SUBJECT_KIND, type AssetPartitionParametersSet, type AssetStaleMarked } from './asset.events.js';
import type { MarkStaleBody, PartitionParametersBody } from './asset.http-schemas.js';

/** Who asks, for the event metadata. */
export interface Requester {
  actor: string;
  requestId: string;
}

/**
 * The impure shell of the asset commands: loads the workflow from the event log (never from a read model, so a
 * command works the moment the workflow exists), decides with the pure `decideAsset`, appends the one event on
 * `<prefix>.asset.<kind>.<assetId>`. A rejected command appends nothing. Stale marks and stored parameters are
 * last-writer-wins in stream order, so no expected sequence is needed.
 */
@Injectable()
export class AssetCommandService {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(WorkflowCommandService) private readonly workflows: WorkflowCommandService,
  ) {}

  /** `asset.stale.marked`; `triggerRun` only records the wish: the materializer requests the rerun. */
  async markStale(slug: string, assetId: string, body: MarkStaleBody, triggerRun: boolean, who: Requester) {
    const command = {
      type: 'MarkStale',
      assetId,
      partitionKey: body.partitionKey ?? null,
      note: body.note ?? null,
      triggerRun,
      ...this.context(who),
    } as const;
    const { event, eventSeq } = await this.execute(slug, command, who);
    const { assetId: id, partitionKey, requestedBy, requestedAt, note } = event.data as AssetStaleMarked;
    return { data: { assetId: id, partitionKey, requestedBy, requestedAt, note, triggerRun }, eventSeq };
  }

  async clearStale(slug: string, assetId: string, partitionKey: string | undefined, who: Requester): Promise<number> {
    return (
      await this.execute(
        slug,
        { type: 'ClearStale', assetId, partitionKey: partitionKey ?? null, ...this.context(who) },
        who,
      )
    ).eventSeq;
  }

  async setParameters(slug: string, assetId: string, body: PartitionParametersBody, who: Requester) {
    const command = {
      type: 'SetPartitionParameters',
      assetId,
      partitionKey: body.partitionKey ?? null,
      parameters: body.parameters,
      ...this.context(who),
    } as const;
    const { event, eventSeq } = await this.execute(slug, command, who);
    const data = event.data as AssetPartitionParametersSet;
    return {
      data: {
        assetId: data.assetId,
        partitionKey: data.partitionKey,
        parameters: data.parameters,
        source: data.source,
        updatedAt: data.setAt,
      },
      eventSeq,
    };
  }

  async deleteParameters(
    slug: string,
    assetId: string,
    partitionKey: string | undefined,
    who: Requester,
  ): Promise<number> {
    return (
      await this.execute(
        slug,
        { type: 'DeletePartitionParameters', assetId, partitionKey: partitionKey ?? null, ...this.context(who) },
        who,
      )
    ).eventSeq;
  }

  private async execute(
    slug: string,
    command: AssetCommand,
    who: Requester,
  ): Promise<{ event: DecidedAssetEvent; eventSeq: number }> {
    const { workflow } = await this.workflows.require(slug);
    const event = decideAsset(command, workflow);
    if (command.type === 'SetPartitionParameters') {
      const stored = { layer: 'stored partition parameters', path: '/parameters', value: command.parameters };
      const layers = [...definitionLayers(workflow, command.assetId), stored];
      assertRunRequestFits(workflow, layers, this.store.maxEventBytes);
    }
    const envelope = toEnvelope<string, unknown>(
      event,
      { correlationId: who.requestId, causationId: null, actor: who.actor },
      command.now,
    );
    const result = await this.store.append(this.store.subjects.asset(ASSET_SUBJECT_KIND[event.type], command.assetId), [
      envelope,
    ]);
    return { event, eventSeq: result.lastSeq };
  }

  private context(who: Requester): { actor: string; now: string } {
    return { actor: who.actor, now: new Date().toISOString() };
  }
}
