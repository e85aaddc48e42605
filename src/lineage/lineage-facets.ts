import { windowForKey, type Partitioning } from '../partitions/index.js';
import type { RunTrigger } from '../runs/run.events.js';
import type { Facet } from './openlineage.types.js';

/** Version of apphub-assets written into `producer` and `processing_engine` (kept equal to package.json by a test). */
export const APPHUB_VERSION = '0.1.0';
/** `producer` of every event and `_producer` of every facet. */
export const LINEAGE_PRODUCER = `urn:apphub-assets:${APPHUB_VERSION}`;
/** The OpenLineage spec version the events follow. */
export const RUN_EVENT_SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';

const SPEC = 'https://openlineage.io/spec/facets';
/** Where our custom facets' JSON Schemas live: docs/openlineage/facets/<file> carries this `$id`. */
export const CUSTOM_FACET_BASE = 'urn:apphub-assets:openlineage:facets:1-0-0:';

/** `_schemaURL` of each facet this emitter writes (the vendored copies are in docs/openlineage/). */
export const FACET_SCHEMA_URLS = {
  parent: `${SPEC}/1-0-0/ParentRunFacet.json#/$defs/ParentRunFacet`,
  errorMessage: `${SPEC}/1-0-0/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet`,
  processing_engine: `${SPEC}/1-1-0/ProcessingEngineRunFacet.json#/$defs/ProcessingEngineRunFacet`,
  jobType: `${SPEC}/2-0-2/JobTypeJobFacet.json#/$defs/JobTypeJobFacet`,
  schema: `${SPEC}/1-0-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet`,
  version: `${SPEC}/1-0-0/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet`,
  apphub_partition: `${CUSTOM_FACET_BASE}ApphubPartitionFacet.json#/$defs/ApphubPartitionFacet`,
  apphub_trigger: `${CUSTOM_FACET_BASE}ApphubTriggerRunFacet.json#/$defs/ApphubTriggerRunFacet`,
} as const;

function facet(name: keyof typeof FACET_SCHEMA_URLS, fields: Record<string, unknown>): Facet {
  return { _producer: LINEAGE_PRODUCER, _schemaURL: FACET_SCHEMA_URLS[name], ...fields };
}

export function parentFacet(parentRunId: string, namespace: string, jobName: string): Facet {
  return facet('parent', { run: { runId: parentRunId }, job: { namespace, name: jobName } });
}

/** The error of a failed step or run; the worker's language is not known to us. */
export function errorMessageFacet(error: { message: string; code: string }): Facet {
  return facet('errorMessage', { message: `${error.code}: ${error.message}`, programmingLanguage: 'unknown' });
}

export function processingEngineFacet(): Facet {
  return facet('processing_engine', {
    name: 'apphub-assets',
    version: APPHUB_VERSION,
    openlineageAdapterVersion: APPHUB_VERSION,
  });
}

/** `WORKFLOW` for a run, `STEP` for a step attempt. */
export function jobTypeFacet(jobType: 'WORKFLOW' | 'STEP'): Facet {
  return facet('jobType', { processingType: 'BATCH', integration: 'APPHUB', jobType });
}

export function datasetVersionFacet(version: string): Facet {
  return facet('version', { datasetVersion: version });
}

/**
 * The `schema` facet from a declared JSON Schema: one field per top-level property (in declaration order), its JSON
 * type (`string`, `integer|null`, ...) and description. Null when the schema declares no properties.
 */
export function schemaFacet(schema: Record<string, unknown> | null): Facet | null {
  const properties = schema?.properties;
  if (!properties || typeof properties !== 'object' || Array.isArray(properties)) return null;
  const fields = Object.entries(properties as Record<string, unknown>).map(([name, property]) => {
    const definition = (property ?? {}) as Record<string, unknown>;
    const field: Record<string, string> = { name, type: jsonType(definition) };
    if (typeof definition.description === 'string') field.description = definition.description;
    return field;
  });
  return fields.length === 0 ? null : facet('schema', { fields });
}

function jsonType(definition: Record<string, unknown>): string {
  const type = definition.type;
  if (typeof type === 'string') return type;
  if (Array.isArray(type) && type.every((item) => typeof item === 'string')) return type.join('|');
  if ('const' in definition) return 'const';
  if (Array.isArray(definition.enum)) return 'enum';
  if (Array.isArray(definition.anyOf) || Array.isArray(definition.oneOf)) return 'union';
  if (typeof definition.$ref === 'string') return 'ref';
  return 'any';
}

/**
 * `apphub_partition`: the key, the kind of partitioning and, for time windows, the window's bounds (the partition
 * kernel's `windowForKey`, DST-safe in the asset's zone). Null for an unpartitioned materialization.
 */
export function partitionFacet(partitionKey: string | null, partitioning: Partitioning | null): Facet | null {
  if (partitionKey === null) return null;
  const window = partitioning?.type === 'timeWindow' ? windowForKey(partitioning, partitionKey) : null;
  return facet('apphub_partition', {
    partitionKey,
    ...(partitioning ? { partitioning: partitioning.type } : {}),
    ...(window ?? {}),
  });
}

/** `apphub_trigger`: the run's trigger, with the fields each kind defines (unknown extra fields are left out). */
export function triggerFacet(trigger: RunTrigger, triggeredBy: string | null): Facet {
  const picked: Record<string, unknown> = { type: trigger.type, triggeredBy };
  for (const key of ['reason', 'assetId', 'partitionKey', 'backfillId'] as const) {
    if (typeof trigger[key] === 'string') picked[key] = trigger[key];
  }
  const upstream = trigger.upstream as Record<string, unknown> | undefined;
  if (upstream && typeof upstream.workflowSlug === 'string' && typeof upstream.runId === 'string') {
    picked.upstream = pick(upstream, ['workflowSlug', 'runId', 'eventSeq', 'assetId', 'partitionKey']);
  }
  const expiry = trigger.expiry as Record<string, unknown> | undefined;
  if (expiry && typeof expiry.reason === 'string') picked.expiry = { reason: expiry.reason };
  const waiting = trigger.waitingRun as Record<string, unknown> | undefined;
  if (waiting && typeof waiting.runId === 'string')
    picked.waitingRun = pick(waiting, ['workflowSlug', 'runId', 'stepId']);
  return facet('apphub_trigger', picked);
}

function pick(source: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((key) => source[key] !== undefined).map((key) => [key, source[key]]));
}
