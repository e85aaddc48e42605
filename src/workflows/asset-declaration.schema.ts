/**
 * JSON Schemas (draft-07, strict) of an asset declaration and its blocks, as written in a workflow definition
 * (DESIGN §5, §8). Structural only; semantic checks (time zones, formats, compatibility) live in the validator.
 */

const ONE_YEAR_MS = 31_536_000_000;

/** Dotted asset id: tokens of letters, digits, `_`, `:` and `-`; no empty tokens, wildcards or spaces. */
export const ASSET_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_:-]*(\\.[A-Za-z0-9_:-]+)*$';

const integer = (minimum: number, maximum: number, description: string) =>
  ({ type: 'integer', minimum, maximum, description }) as const;

const text = (maxLength: number, description: string) =>
  ({ type: 'string', minLength: 1, maxLength, description }) as const;

/** `freshness`: at least one of `ttlMs`, `cadenceMs`, `maxAgeMs`, each 1 s..1 year (a sub-second cadence would flood the log). */
export const freshnessSchema = {
  type: 'object',
  description: 'Freshness hints; at least one field.',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    ttlMs: integer(1000, ONE_YEAR_MS, 'Expire each materialization this many ms after its producedAt.'),
    cadenceMs: integer(1000, ONE_YEAR_MS, 'Like ttlMs, labelled "cadence".'),
    maxAgeMs: integer(1000, ONE_YEAR_MS, 'A materialization older than this is reported stale.'),
  },
} as const;

/** `autoMaterialize`: at least one field; only allowed on produced assets. */
export const autoMaterializeSchema = {
  type: 'object',
  description: 'Auto-materialize policy of a produced asset; at least one field. Active unless enabled is false.',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    onUpstreamUpdate: { type: 'boolean', description: 'Re-run when a consumed asset is produced again.' },
    enabled: { type: 'boolean', description: 'false switches the policy off.' },
    priority: integer(0, 1_000_000, 'Start order among pending auto runs; lower first.'),
    parameterDefaults: { description: 'Parameters (any JSON) merged over defaultParameters for auto runs.' },
  },
} as const;

/** A check name: a letter or digit, then letters, digits, `_` and `-`; a token of subjects and URLs. */
export const CHECK_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]*$';

/** One declared check of a produced asset (DESIGN §14); names are unique per asset (checked by the validator). */
export const checkDeclarationSchema = {
  type: 'object',
  description: 'A check of the produced asset: reported by the job, or evaluated by the service (payloadSchema).',
  additionalProperties: false,
  required: ['name', 'severity'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100, pattern: CHECK_NAME_PATTERN, description: 'Check name.' },
    description: text(1000, 'What the check verifies.'),
    severity: { enum: ['warn', 'error'], description: 'How serious a failure is.' },
    blocking: {
      type: 'boolean',
      description: 'A failure stops auto-materialization downstream until a passing materialization arrives.',
    },
    payloadSchema: {
      type: 'object',
      description: 'JSON Schema (draft-07) the service applies to every produced payload; the check passes when valid.',
    },
    freshness: {
      type: 'object',
      description:
        'A freshness rule the service evaluates: fails when a materialization arrives more than the limit after its ' +
        "producedAt, and when the asset expires. The limit is maxAgeMs, else the asset's freshness (ttlMs, cadenceMs, " +
        'maxAgeMs). A check has one rule: payloadSchema or freshness.',
      additionalProperties: false,
      properties: {
        maxAgeMs: integer(1000, ONE_YEAR_MS, "The limit; defaults to the asset's freshness."),
      },
    },
  },
} as const;

/** `checks`: only allowed on produced assets. */
export const checksSchema = {
  type: 'array',
  description: 'Checks of the produced asset (produced assets only); names unique.',
  maxItems: 50,
  items: checkDeclarationSchema,
} as const;

const staticPartitioningSchema = {
  type: 'object',
  description: 'A declared, finite list of partition keys.',
  additionalProperties: false,
  required: ['type', 'keys'],
  properties: {
    type: { const: 'static' },
    keys: {
      type: 'array',
      description: 'The partition keys, in display order; unique and non-empty.',
      minItems: 1,
      maxItems: 500,
      items: text(200, 'A partition key.'),
    },
  },
} as const;

const timeWindowPartitioningSchema = {
  type: 'object',
  description: 'Calendar windows of one granularity, computed in an IANA time zone.',
  additionalProperties: false,
  required: ['type', 'granularity'],
  properties: {
    type: { const: 'timeWindow' },
    granularity: { enum: ['minute', 'hour', 'day', 'week', 'month'], description: 'Window size (weeks start Monday).' },
    timezone: text(100, 'IANA time zone the windows are computed in; default UTC.'),
    format: text(100, 'Key format; default per granularity (YYYY-MM-DDTHH:mm, YYYY-MM-DDTHH, YYYY-MM-DD, YYYY-MM).'),
    lookbackWindows: integer(1, 10_000, 'How many past windows are listed and re-materialized on expiry.'),
    start: text(100, 'First window, as a key in the asset format.'),
  },
} as const;

const dynamicPartitioningSchema = {
  type: 'object',
  description: 'Keys discovered at runtime: the first production of a key records it.',
  additionalProperties: false,
  required: ['type'],
  properties: {
    type: { const: 'dynamic' },
    maxKeys: integer(1, 100_000, 'Upper bound on distinct keys.'),
    retentionDays: integer(1, 10_000, 'How long an unused key is kept.'),
  },
} as const;

/** `partitioning`: a union discriminated by `type`, each variant strict. */
export const partitioningSchema = {
  type: 'object',
  description: 'How the asset is partitioned: static, timeWindow or dynamic.',
  discriminator: { propertyName: 'type' },
  oneOf: [staticPartitioningSchema, timeWindowPartitioningSchema, dynamicPartitioningSchema],
} as const;

/** One entry of a step's `produces` or `consumes`. */
export const assetDeclarationSchema = {
  type: 'object',
  description: 'An asset the step produces or consumes.',
  additionalProperties: false,
  required: ['assetId'],
  properties: {
    assetId: {
      type: 'string',
      description: 'Dotted, case-sensitive asset id, e.g. retail.sales.parquet.',
      minLength: 1,
      maxLength: 200,
      pattern: ASSET_ID_PATTERN,
    },
    schema: { type: 'object', description: 'JSON Schema (draft-07) that produced payloads must satisfy.' },
    freshness: freshnessSchema,
    autoMaterialize: autoMaterializeSchema,
    partitioning: partitioningSchema,
    checks: checksSchema,
  },
} as const;
