import { headers } from '@nats-io/transport-node';
import { v5 as uuidv5 } from 'uuid';
import type { AssetProduced } from '../../src/assets/asset.events.js';
import type { EventEnvelope } from '../../src/events/envelope.js';
import { eventCatalog } from '../../src/event-catalog.js';
import { EventSchemaRegistry } from '../../src/events/event-schemas.js';
import type { NatsContext } from '../../src/events/nats-context.js';
import type { WorkflowDefinition } from '../../src/workflows/workflow-definition.js';

const NAMESPACE = '9d3c6f0e-5b1a-4c7e-8f2d-0a1b2c3d4e5f';
const BASE_TIME = Date.parse('2026-01-01T00:00:00.000Z');

/** The shape of the seeded stream: which asset and partition event `i` (0-based) materializes. */
export interface SeedPlan {
  events: number;
  partitions: number;
}

export const PRODUCER = 'scale-producer';
export const CONSUMER = 'scale-consumer';
/** 1 in 20 events: an unpartitioned asset (long history without a partition filter). */
export const SUMMARY_ASSET = 'scale.summary';
/** The dynamic-partitioned asset holding up to a million partitions. */
export const PARTITIONED_ASSET = 'scale.events';
/** 1 in 20 events: one partition with a long history. */
export const HOT_PARTITION = 'hot';

/** Deterministic event id of seeded event `i` (a re-run of the seed publishes the same ids). */
export const seededEventId = (i: number): string => uuidv5(`scale-event:${i}`, NAMESPACE);

/** Partition key `p-0000042` (fixed width: code-point order = numeric order). */
export const partitionKeyOf = (k: number): string => `p-${String(k).padStart(7, '0')}`;

/** The workflow definitions published before the assets (so sort keys and the graph are known). */
export function seedWorkflows(): WorkflowDefinition[] {
  const at = new Date(BASE_TIME - 60_000).toISOString();
  const base = { version: 1, createdAt: at, updatedAt: at };
  return [
    {
      ...base,
      id: uuidv5(`workflow:${PRODUCER}`, NAMESPACE),
      slug: PRODUCER,
      name: 'Scale producer',
      steps: [
        {
          id: 'load',
          type: 'job',
          jobSlug: 'scale-load',
          dependsOn: [],
          retries: 0,
          produces: [{ assetId: PARTITIONED_ASSET, partitioning: { type: 'dynamic' } }, { assetId: SUMMARY_ASSET }],
          consumes: [],
        },
      ],
    },
    {
      ...base,
      id: uuidv5(`workflow:${CONSUMER}`, NAMESPACE),
      slug: CONSUMER,
      name: 'Scale consumer',
      steps: [
        {
          id: 'report',
          type: 'job',
          jobSlug: 'scale-report',
          dependsOn: [],
          retries: 0,
          produces: [{ assetId: 'scale.report' }],
          consumes: [{ assetId: SUMMARY_ASSET }],
        },
      ],
    },
  ];
}

/** Seeded event `i`: every 20th the summary asset, every 20th + 1 the hot partition, else partitions round-robin. */
export function seededProduced(i: number, plan: SeedPlan): EventEnvelope<'asset.produced', AssetProduced> {
  const producer = seedWorkflows()[0]!;
  const lane = i % 20;
  const spread = i - Math.floor(i / 20) * 2 - Math.min(2, lane);
  const assetId = lane === 0 ? SUMMARY_ASSET : PARTITIONED_ASSET;
  const partitionKey = lane === 0 ? null : lane === 1 ? HOT_PARTITION : partitionKeyOf(spread % plan.partitions);
  const runId = uuidv5(`scale-run:${i}`, NAMESPACE);
  const producedAt = new Date(BASE_TIME + i).toISOString();
  return {
    id: seededEventId(i),
    type: 'asset.produced',
    schemaVersion: 1,
    occurredAt: producedAt,
    data: {
      assetId,
      workflowDefinitionId: producer.id,
      workflowSlug: PRODUCER,
      workflowRunId: runId,
      runKey: null,
      stepId: 'load',
      producedAt,
      partitionKey,
      payload: { n: i, rows: i % 997 },
      schema: null,
      freshness: null,
      parameters: null,
    },
    metadata: { correlationId: runId, causationId: null, actor: 'bench' },
  };
}

/**
 * Publishes the definitions and `plan.events` `asset.produced` events straight to `<PREFIX>_EVENTS` (async
 * publishes, a window of `window` in flight, every promise settled). Returns the publish rate (events/s).
 */
export async function seedStream(
  nats: NatsContext,
  plan: SeedPlan,
  onProgress: (published: number) => void,
  window = 2000,
): Promise<number> {
  const registry = new EventSchemaRegistry(eventCatalog);
  const h = (type: string) => {
    const value = headers();
    value.set('Apphub-Event-Type', type);
    return value;
  };
  for (const workflow of seedWorkflows()) {
    const envelope: EventEnvelope = {
      id: uuidv5(`definition:${workflow.slug}`, NAMESPACE),
      type: 'workflow.definition.updated',
      schemaVersion: 1,
      occurredAt: workflow.updatedAt,
      data: { workflow },
      metadata: { correlationId: workflow.slug, causationId: null, actor: 'bench' },
    };
    registry.assertValid(envelope);
    await nats.js.publish(nats.subjects.definition(workflow.slug), JSON.stringify(envelope), {
      msgID: envelope.id,
      headers: h(envelope.type),
    });
  }
  registry.assertValid(seededProduced(0, plan));
  registry.assertValid(seededProduced(1, plan));
  registry.assertValid(seededProduced(2, plan));
  const producedHeaders = h('asset.produced');
  const started = performance.now();
  let inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < plan.events; i++) {
    const event = seededProduced(i, plan);
    inFlight.push(
      nats.js.publish(nats.subjects.asset('produced', event.data.assetId), JSON.stringify(event), {
        msgID: event.id,
        headers: producedHeaders,
      }),
    );
    if (inFlight.length >= window) {
      await Promise.all(inFlight);
      inFlight = [];
      onProgress(i + 1);
    }
  }
  await Promise.all(inFlight);
  onProgress(plan.events);
  return plan.events / ((performance.now() - started) / 1000);
}
