import type { BatchHandler } from '../events/consumer-runner.js';
import { derivedEventId, toEnvelope, type EventEnvelope, type StoredEvent } from '../events/envelope.js';
import type { EventStore } from '../events/event-store.js';
import type { RunRequested, StepSucceeded } from '../runs/run.events.js';
import { ASSET_SUBJECT_KIND, type AssetProduced } from './asset.events.js';

type RunContext = Pick<RunRequested, 'workflowDefinitionId' | 'workflowSlug' | 'runKey' | 'parameters'>;

const MAX_CONTEXTS = 50_000;

/**
 * The second half of recording (DESIGN §3): `workflow.step.succeeded` is the commit point; this relay appends one
 * `asset.produced` per recorded asset, with an id derived from the step event, so a replay after a crash
 * re-appends the same ids (deduplicated by NATS inside its window, and by every read model's unique event id).
 */
export class AssetRelay implements BatchHandler {
  readonly name = 'asset_relay';
  private readonly contexts = new Map<string, RunContext>();

  constructor(private readonly store: EventStore) {}

  async handle(events: readonly StoredEvent[]): Promise<void> {
    const pending: Array<Promise<unknown>> = [];
    for (const event of events) {
      if (event.type === 'workflow.run.requested') {
        this.remember(event.subject, event.data as RunRequested);
        continue;
      }
      if (event.type !== 'workflow.step.succeeded') continue;
      const step = event as StoredEvent<string, StepSucceeded>;
      if (step.data.assets.length === 0) continue;
      const context = await this.contextOf(step.subject);
      if (!context) continue;
      // Publishes on one connection keep their order, so issuing them all before awaiting preserves stream order.
      for (const envelope of this.producedEvents(step, context)) {
        pending.push(
          this.store.append(
            this.store.subjects.asset(ASSET_SUBJECT_KIND['asset.produced'], (envelope.data as AssetProduced).assetId),
            [envelope],
          ),
        );
      }
    }
    await Promise.all(pending);
  }

  private producedEvents(step: StoredEvent<string, StepSucceeded>, context: RunContext): EventEnvelope[] {
    const runId = step.subject.split('.').pop()!;
    return step.data.assets.map((asset) => {
      const data: AssetProduced = {
        assetId: asset.assetId,
        workflowDefinitionId: context.workflowDefinitionId,
        workflowSlug: context.workflowSlug,
        workflowRunId: runId,
        runKey: context.runKey,
        stepId: step.data.stepId,
        producedAt: asset.producedAt,
        partitionKey: asset.partitionKey,
        payload: asset.payload,
        schema: asset.schema,
        freshness: asset.freshness,
        parameters: context.parameters,
      };
      return toEnvelope(
        { id: derivedEventId(step.id, asset.assetId, asset.partitionKey), type: 'asset.produced', data },
        { correlationId: runId, causationId: step.id, actor: step.metadata.actor },
        step.occurredAt,
      );
    });
  }

  private async contextOf(subject: string): Promise<RunContext | null> {
    const cached = this.contexts.get(subject);
    if (cached) return cached;
    const first = await this.store.readFirst(subject);
    if (!first || first.type !== 'workflow.run.requested') return null;
    return this.remember(subject, first.data as RunRequested);
  }

  private remember(subject: string, request: RunRequested): RunContext {
    const context = {
      workflowDefinitionId: request.workflowDefinitionId,
      workflowSlug: request.workflowSlug,
      runKey: request.runKey,
      parameters: request.parameters,
    };
    this.contexts.set(subject, context);
    if (this.contexts.size > MAX_CONTEXTS) this.contexts.delete(this.contexts.keys().next().value!);
    return context;
  }
}
