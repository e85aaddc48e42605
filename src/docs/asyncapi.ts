import { eventCatalog } from '../event-catalog.js';
import type { EventSchema } from '../events/event-schemas.js';

interface ChannelSpec {
  id: string;
  address: string;
  description: string;
  parameters: Record<string, string>;
  /** Event types carried, or a custom payload. */
  types?: (type: string) => boolean;
  payload?: { name: string; schema: object; description: string };
}

const envelope = (data: object) => ({
  type: 'object',
  required: ['id', 'type', 'schemaVersion', 'occurredAt', 'data', 'metadata'],
  properties: {
    id: {
      type: 'string',
      description:
        'Event id; also the Nats-Msg-Id header. Derived deterministically for events caused by other events.',
    },
    type: { type: 'string' },
    schemaVersion: { type: 'integer' },
    occurredAt: { type: 'string', format: 'date-time' },
    data,
    metadata: {
      type: 'object',
      properties: {
        correlationId: { type: 'string' },
        causationId: { type: ['string', 'null'] },
        actor: { type: 'string' },
      },
    },
  },
});

const jobDispatchSchema = {
  type: 'object',
  required: ['runId', 'workflowSlug', 'stepId', 'attempt', 'jobSlug', 'parameters'],
  properties: {
    runId: { type: 'string' },
    workflowSlug: { type: 'string' },
    stepId: { type: 'string' },
    attempt: { type: 'integer', minimum: 1 },
    jobSlug: { type: ['string', 'null'] },
    serviceUrl: { type: ['string', 'null'] },
    parameters: { type: 'object' },
    partitionKey: { type: ['string', 'null'] },
    timeoutMs: { type: ['integer', 'null'] },
  },
};

/** The OpenLineage RunEvent as the lineage emitter publishes it (full schema: docs/openlineage/spec/OpenLineage.json). */
const openLineageRunEventSchema = {
  type: 'object',
  description:
    'An OpenLineage 2-0-2 RunEvent (https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent), JSON keys sorted. Facets and examples: docs/openlineage/.',
  required: ['eventType', 'eventTime', 'producer', 'schemaURL', 'run', 'job', 'inputs', 'outputs'],
  properties: {
    eventType: { enum: ['START', 'COMPLETE', 'FAIL', 'ABORT'] },
    eventTime: { type: 'string', format: 'date-time', description: 'From the stream event (never the wall clock).' },
    producer: { type: 'string', format: 'uri' },
    schemaURL: { type: 'string', format: 'uri' },
    run: {
      type: 'object',
      required: ['runId'],
      properties: {
        runId: {
          type: 'string',
          format: 'uuid',
          description: 'The workflow run id, or for a step attempt a UUID derived from run id + step id + attempt.',
        },
        facets: { type: 'object', description: 'apphub_trigger, processing_engine, parent (steps), errorMessage.' },
      },
    },
    job: {
      type: 'object',
      required: ['namespace', 'name'],
      properties: {
        namespace: { type: 'string', description: 'OPENLINEAGE_NAMESPACE (default apphub).' },
        name: { type: 'string', description: '<slug> for a workflow run, <slug>.<stepId> for a step attempt.' },
      },
    },
    inputs: { type: 'array', items: { type: 'object' }, description: 'Assets the step consumes.' },
    outputs: {
      type: 'array',
      items: { type: 'object' },
      description: 'Assets the step declares (START) or recorded (COMPLETE).',
    },
  },
};

const channels: ChannelSpec[] = [
  {
    id: 'assetProduced',
    address: '{prefix}.asset.produced.{assetId}',
    description:
      'One materialization of an asset. Subscribe to one asset, a family (`{prefix}.asset.produced.retail.>`) or all (`{prefix}.asset.>`).',
    parameters: { assetId: 'Dotted asset id, e.g. retail.sales.parquet (several tokens).' },
    types: (t) => t === 'asset.produced',
  },
  {
    id: 'assetExpired',
    address: '{prefix}.asset.expired.{assetId}',
    description: 'A TTL or cadence ran out for the latest materialization of a partition (never before expiresAt).',
    parameters: { assetId: 'Dotted asset id.' },
    types: (t) => t === 'asset.expired',
  },
  {
    id: 'assetStaleMarked',
    address: '{prefix}.asset.stale-marked.{assetId}',
    description: 'An operator marked a partition stale.',
    parameters: { assetId: 'Dotted asset id.' },
    types: (t) => t === 'asset.stale.marked',
  },
  {
    id: 'assetStaleCleared',
    address: '{prefix}.asset.stale-cleared.{assetId}',
    description: 'An operator cleared a stale mark.',
    parameters: { assetId: 'Dotted asset id.' },
    types: (t) => t === 'asset.stale.cleared',
  },
  {
    id: 'assetParametersSet',
    address: '{prefix}.asset.parameters-set.{assetId}',
    description: 'Stored parameters for auto runs of a partition were set.',
    parameters: { assetId: 'Dotted asset id.' },
    types: (t) => t === 'asset.partition-parameters.set',
  },
  {
    id: 'assetParametersDeleted',
    address: '{prefix}.asset.parameters-deleted.{assetId}',
    description: 'Stored partition parameters were deleted.',
    parameters: { assetId: 'Dotted asset id.' },
    types: (t) => t === 'asset.partition-parameters.deleted',
  },
  {
    id: 'assetCheckEvaluated',
    address: '{prefix}.asset.check.{assetId}',
    description:
      'One check result of one materialization (DESIGN §14): reported by the job in result.assets[].checks or evaluated by the service (a payloadSchema or freshness rule). Appended before the asset.produced it belongs to, id uuidv5(produced event id, "check", name); a freshness rule fails again when the materialization expires, appended by the freshness timer before the asset.expired, id uuidv5(expired event id, "check", name).',
    parameters: { assetId: 'Dotted asset id.' },
    types: (t) => t === 'asset.check.evaluated',
  },
  {
    id: 'workflowDefinitionUpdated',
    address: '{prefix}.workflow.definition.updated.{slug}',
    description: 'A workflow definition was registered or replaced (optimistic concurrency per slug).',
    parameters: { slug: 'Workflow slug.' },
    types: (t) => t.startsWith('workflow.definition.'),
  },
  {
    id: 'runLifecycle',
    address: '{prefix}.run.{slug}.{runId}',
    description: 'Every lifecycle event of one run, on one subject, each appended with expected-last-subject-sequence.',
    parameters: { slug: 'Workflow slug.', runId: 'Run id.' },
    types: (t) => t.startsWith('workflow.run.') || t.startsWith('workflow.step.'),
  },
  {
    id: 'materializerDecisions',
    address: '{prefix}.materializer.{slug}.{outcome}',
    description:
      'Every trigger the materializer considered and what it decided (enqueued, coalesced, deferred-backoff, skipped) with a reason code.',
    parameters: { slug: 'Target workflow slug.', outcome: 'Decision outcome.' },
    types: (t) => t.startsWith('materializer.'),
  },
  {
    id: 'backfill',
    address: '{prefix}.backfill.{slug}.{backfillId}',
    description:
      'Every event of one backfill on one subject: `backfill.requested` (POST /workflows/:slug/backfills; the resolved partition keys in release order), `backfill.partition-requested` (one per partition, released by the backfill manager at most `maxConcurrentRuns` at a time; id derived from backfill id × partition key, and the run id derived from it), `backfill.canceled`, `backfill.completed` (once every partition ended; status succeeded, failed or canceled, with counts).',
    parameters: { slug: 'Workflow slug.', backfillId: 'Backfill id.' },
    types: (t) => t.startsWith('backfill.'),
  },
  {
    id: 'lineage',
    address: '{prefix}.lineage.{slug}',
    description:
      'OpenLineage RunEvents of the NATS transport of the lineage emitter (role `lineage`), in `<PREFIX>_EVENTS` but not domain envelopes (no Apphub-Event-Type header; every stream consumer passes over `{prefix}.lineage.>`). Nats-Msg-Id is derived from the bytes; redeliveries and replays are byte-identical. `OPENLINEAGE_NATS_SUBJECT` can move them to another subject.',
    parameters: { slug: 'Workflow slug.' },
    payload: {
      name: 'OpenLineageRunEvent',
      schema: openLineageRunEventSchema,
      description: 'One OpenLineage RunEvent of a workflow run or of one step attempt.',
    },
  },
  {
    id: 'jobDispatch',
    address: '{prefix}_job.dispatch.{jobSlug}',
    description:
      'Work-queue stream `<PREFIX>_JOBS`: one message per step attempt; Nats-Msg-Id `<runId>:<stepId>:<attempt>`. Workers share the durable `<prefix>-job-<jobSlug>`.',
    parameters: { jobSlug: 'Job slug of the step (`_service` carries service steps).' },
    payload: { name: 'JobDispatch', schema: jobDispatchSchema, description: 'A step attempt to run.' },
  },
  {
    id: 'jobComplete',
    address: '{prefix}_job.complete',
    description:
      'Request/reply: a worker reports a step attempt; the reply is `{status, body}` with what POST /workflow-runs/:runId/steps/:stepId/complete would answer. Past APPHUB_MAX_CONCURRENT_NATS_COMPLETIONS in progress the reply is at once `{status: 503, body}` with code `overloaded` and `retryAfterMs`: nothing was recorded, retry.',
    parameters: {},
    payload: {
      name: 'JobCompletion',
      description: '`{runId, stepId, status, attempt?, result?, error?}`.',
      schema: {
        type: 'object',
        required: ['runId', 'stepId', 'status'],
        properties: {
          runId: { type: 'string' },
          stepId: { type: 'string' },
          status: { enum: ['succeeded', 'failed'] },
          attempt: { type: 'integer' },
          result: {},
          error: {},
        },
      },
    },
  },
];

function messageName(type: string): string {
  return type.replace(/[.-](\w)/g, (_, c: string) => c.toUpperCase()).replace(/^\w/, (c) => c.toUpperCase());
}

/** The AsyncAPI 3 document of every subject, generated from the same schemas that validate the events. */
export function buildAsyncApiDocument(catalog: readonly EventSchema[] = eventCatalog): Record<string, unknown> {
  const messages: Record<string, unknown> = {};
  const channelDocs: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  for (const channel of channels) {
    const carried = channel.types ? catalog.filter((schema) => channel.types!(schema.type)) : [];
    const refs: Record<string, unknown> = {};
    for (const schema of carried) {
      const name = messageName(schema.type);
      messages[name] = {
        name: schema.type,
        title: schema.type,
        contentType: 'application/json',
        headers: {
          type: 'object',
          properties: { 'Apphub-Event-Type': { const: schema.type }, 'Nats-Msg-Id': { type: 'string' } },
        },
        payload: envelope(schema.data),
      };
      refs[name] = { $ref: `#/components/messages/${name}` };
    }
    if (channel.payload) {
      messages[channel.payload.name] = {
        name: channel.payload.name,
        contentType: 'application/json',
        description: channel.payload.description,
        payload: channel.payload.schema,
      };
      refs[channel.payload.name] = { $ref: `#/components/messages/${channel.payload.name}` };
    }
    channelDocs[channel.id] = {
      address: channel.address,
      description: channel.description,
      parameters: Object.fromEntries([
        ['prefix', { description: 'APPHUB_SUBJECT_PREFIX (default apphub).' }],
        ...Object.entries(channel.parameters).map(([k, d]) => [k, { description: d }]),
      ]),
      messages: refs,
    };
    operations[`receive${channel.id.replace(/^\w/, (c) => c.toUpperCase())}`] = {
      action: 'receive',
      channel: { $ref: `#/channels/${channel.id}` },
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'apphub-assets events',
      version: '0.1.0',
      description:
        'Subjects and payloads on NATS JetStream. Domain events live in the stream `<PREFIX>_EVENTS` (subjects `<prefix>.>`), job dispatches in `<PREFIX>_JOBS`.',
    },
    servers: { local: { host: '127.0.0.1:4222', protocol: 'nats', description: 'NATS with JetStream' } },
    defaultContentType: 'application/json',
    channels: channelDocs,
    operations,
    components: { messages },
  };
}
