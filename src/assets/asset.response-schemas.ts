import type { SchemaObject } from '@nestjs/swagger';

type OpenApiSchema = SchemaObject;

/** OpenAPI response schemas of the asset endpoints (documentation only; responses are built by the services). */
const nullable = (schema: Record<string, unknown>) => ({ ...schema, nullable: true });
const json = { description: 'Any JSON.' };
const page = { type: 'object', properties: { nextCursor: nullable({ type: 'string' }) } };

export const roleSchema = {
  type: 'object',
  properties: {
    workflowSlug: { type: 'string' },
    stepId: { type: 'string' },
    stepName: nullable({ type: 'string' }),
    stepType: { type: 'string', enum: ['job', 'service'] },
    schema: nullable({ type: 'object' }),
    freshness: nullable({ type: 'object' }),
    autoMaterialize: nullable({ type: 'object' }),
    partitioning: nullable({ type: 'object' }),
  },
};

export const materializationSchema = {
  type: 'object',
  properties: {
    assetId: { type: 'string' },
    workflowSlug: { type: 'string' },
    runId: { type: 'string' },
    stepId: { type: 'string' },
    partitionKey: nullable({ type: 'string' }),
    producedAt: { type: 'string', format: 'date-time' },
    payload: json,
    schema: nullable({ type: 'object' }),
    freshness: nullable({ type: 'object' }),
    runStatus: nullable({ type: 'string' }),
    eventSeq: { type: 'integer' },
  },
};

/** A materialization with its check results (history entries, a partition's latest): newest result per check. */
const checkedMaterializationSchema = {
  ...materializationSchema,
  required: ['checks'],
  properties: {
    ...materializationSchema.properties,
    checks: {
      type: 'array',
      description: 'Check results of this materialization (newest per check; empty when none was evaluated).',
      items: {
        type: 'object',
        required: ['name', 'passed', 'severity', 'blocking'],
        properties: {
          name: { type: 'string' },
          passed: { type: 'boolean' },
          severity: { type: 'string', enum: ['warn', 'error'] },
          blocking: { type: 'boolean' },
        },
      },
    },
  },
};

const roles = { producers: { type: 'array', items: roleSchema }, consumers: { type: 'array', items: roleSchema } };
const data = (properties: Record<string, unknown>, meta?: Record<string, unknown>): OpenApiSchema =>
  ({
    type: 'object',
    properties: { data: { type: 'object', properties }, ...(meta ? { meta } : {}) },
  }) as OpenApiSchema;

export const inventoryResponseSchema = data({
  assets: {
    type: 'array',
    items: {
      type: 'object',
      properties: {
        assetId: { type: 'string' },
        ...roles,
        latest: nullable(materializationSchema),
        available: { type: 'boolean' },
      },
    },
  },
});

export const historyResponseSchema = data(
  {
    assetId: { type: 'string' },
    ...roles,
    history: { type: 'array', items: checkedMaterializationSchema },
    limit: { type: 'integer' },
    partitionKey: nullable({ type: 'string' }),
  },
  page,
);

const checkDeclarationSchema = {
  type: 'object',
  properties: {
    stepId: { type: 'string' },
    name: { type: 'string' },
    description: nullable({ type: 'string' }),
    severity: { type: 'string', enum: ['warn', 'error'] },
    blocking: { type: 'boolean' },
    payloadSchema: nullable({ type: 'object' }),
    freshness: nullable({
      type: 'object',
      description: "The freshness rule: maxAgeMs, else the asset's freshness applies.",
      properties: { maxAgeMs: { type: 'integer' } },
    }),
  },
};

const checkResultSchema = {
  type: 'object',
  properties: {
    checkName: { type: 'string' },
    severity: { type: 'string', enum: ['warn', 'error'] },
    blocking: { type: 'boolean' },
    passed: { type: 'boolean' },
    source: { type: 'string', enum: ['job', 'service', 'job+service'] },
    metadata: json,
    violations: {
      type: 'array',
      items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } },
    },
    partitionKey: nullable({ type: 'string' }),
    producedEventId: { type: 'string' },
    workflowRunId: { type: 'string' },
    producedAt: { type: 'string', format: 'date-time' },
    eventSeq: { type: 'integer' },
  },
};

export const checksResponseSchema = data({
  assetId: { type: 'string' },
  declared: { type: 'array', items: checkDeclarationSchema },
  results: { type: 'array', items: checkResultSchema },
  limit: { type: 'integer' },
  partitionKey: nullable({ type: 'string' }),
  check: nullable({ type: 'string' }),
});

export const partitionsResponseSchema = data(
  {
    assetId: { type: 'string' },
    partitioning: nullable({ type: 'object' }),
    partitions: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          partitionKey: nullable({ type: 'string' }),
          materializations: { type: 'integer' },
          latest: nullable(checkedMaterializationSchema),
          isStale: { type: 'boolean' },
          staleReasons: { type: 'array', items: { type: 'string', enum: ['manual', 'expired', 'max-age'] } },
          expiredAt: nullable({ type: 'string', format: 'date-time' }),
          staleMetadata: nullable({
            type: 'object',
            properties: {
              requestedAt: { type: 'string' },
              requestedBy: { type: 'string' },
              note: nullable({ type: 'string' }),
            },
          }),
          parameters: json,
          parametersSource: nullable({ type: 'string', enum: ['manual', 'workflow-run', null] }),
        },
      },
    },
  },
  {
    type: 'object',
    properties: {
      nextCursor: nullable({ type: 'string' }),
      total: { type: 'integer', description: 'Stored plus upcoming partitions; only with `?total=true`.' },
    },
  },
);

const catalogAsset = {
  assetId: { type: 'string' },
  ...roles,
  partitionCount: { type: 'integer' },
  materializations: { type: 'integer' },
  latest: nullable(materializationSchema),
};
export const catalogResponseSchema = data(
  { assets: { type: 'array', items: { type: 'object', properties: catalogAsset } } },
  page,
);
export const assetDetailResponseSchema = data(
  { ...catalogAsset, latestMaterializations: { type: 'array', items: materializationSchema } },
  page,
);

export const graphResponseSchema = data({
  assets: {
    type: 'array',
    items: {
      type: 'object',
      properties: {
        assetId: { type: 'string' },
        ...roles,
        latestMaterializations: { type: 'array', items: materializationSchema },
        stalePartitions: { type: 'array', items: { type: 'object' } },
        hasStalePartitions: { type: 'boolean' },
        hasOutdatedUpstreams: { type: 'boolean' },
        outdatedUpstreamAssetIds: { type: 'array', items: { type: 'string' } },
      },
    },
  },
  edges: {
    type: 'array',
    items: {
      type: 'object',
      properties: {
        fromAssetId: { type: 'string' },
        toAssetId: { type: 'string' },
        workflowSlug: { type: 'string' },
        stepId: { type: 'string' },
      },
    },
  },
});

const written = (properties: Record<string, unknown>) =>
  data(properties, { type: 'object', properties: { eventSeq: { type: 'integer' } } });
export const staleMarkedResponseSchema = written({
  assetId: { type: 'string' },
  partitionKey: nullable({ type: 'string' }),
  requestedBy: { type: 'string' },
  requestedAt: { type: 'string', format: 'date-time' },
  note: nullable({ type: 'string' }),
  triggerRun: { type: 'boolean' },
});
export const parametersSetResponseSchema = written({
  assetId: { type: 'string' },
  partitionKey: nullable({ type: 'string' }),
  parameters: { type: 'object' },
  source: { type: 'string', enum: ['manual'] },
  updatedAt: { type: 'string', format: 'date-time' },
});
