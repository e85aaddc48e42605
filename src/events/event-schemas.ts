import type { ValidateFunction } from 'ajv';
import { isolatedValidator } from '../validation/validation-policies.js';

/** A domain event's data schema, registered once per `type` and `schemaVersion` by its context's `*.events.ts`. */
export interface EventSchema {
  type: string;
  schemaVersion: number;
  data: object;
}

const envelopeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'type', 'schemaVersion', 'occurredAt', 'data', 'metadata'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 100 },
    type: { type: 'string', pattern: '^[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)+$' },
    schemaVersion: { type: 'integer', minimum: 1 },
    occurredAt: { type: 'string', format: 'date-time' },
    data: {},
    metadata: {
      type: 'object',
      additionalProperties: false,
      required: ['correlationId', 'causationId', 'actor'],
      properties: {
        correlationId: { type: 'string', minLength: 1 },
        causationId: { type: ['string', 'null'] },
        actor: { type: 'string', minLength: 1 },
      },
    },
  },
} as const;

/** Raised when an envelope or its data breaks its schema (on append: a bug; on read: a poison event). */
export class InvalidEventError extends Error {
  constructor(
    readonly eventType: string,
    readonly problems: string[],
  ) {
    super(`invalid ${eventType} event: ${problems.join('; ')}`);
    this.name = 'InvalidEventError';
  }
}

/** Validates envelopes and the data of every registered event type. */
export class EventSchemaRegistry {
  /** The `event` policy, on an instance of the registry's own (it registers every event type's schema). */
  private readonly ajv = isolatedValidator('event');
  private readonly envelope: ValidateFunction;
  private readonly byType = new Map<string, ValidateFunction>();

  constructor(schemas: readonly EventSchema[]) {
    this.envelope = this.ajv.compile(envelopeSchema);
    for (const schema of schemas)
      this.byType.set(`${schema.type}@${schema.schemaVersion}`, this.ajv.compile(schema.data));
  }

  /** Throws `InvalidEventError` when the envelope or its data is invalid, or the type is unknown. */
  assertValid(event: unknown): void {
    if (!this.envelope(event)) throw new InvalidEventError(typeOf(event), describe(this.envelope));
    const envelope = event as { type: string; schemaVersion: number; data: unknown };
    const validate = this.byType.get(`${envelope.type}@${envelope.schemaVersion}`);
    if (!validate) throw new InvalidEventError(envelope.type, [`unknown event type/version ${envelope.schemaVersion}`]);
    if (!validate(envelope.data)) throw new InvalidEventError(envelope.type, describe(validate, '/data'));
  }

  knows(type: string): boolean {
    for (const key of this.byType.keys()) if (key.startsWith(`${type}@`)) return true;
    return false;
  }
}

function typeOf(event: unknown): string {
  return typeof event === 'object' && event !== null && typeof (event as { type?: unknown }).type === 'string'
    ? (event as { type: string }).type
    : 'unknown';
}

function describe(validate: ValidateFunction, prefix = ''): string[] {
  return (validate.errors ?? []).map(
    (error) => `${prefix}${error.instancePath || '/'} ${error.message ?? 'is invalid'}`,
  );
}
