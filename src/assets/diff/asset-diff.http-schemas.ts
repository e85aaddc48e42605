import type { SchemaObject } from '@nestjs/swagger';
import { minSeqQuerySchema } from '../../http/responses.js';
import { materializationSchema } from '../asset.response-schemas.js';

const eventSeq = (description: string) =>
  ({ type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description }) as const;

/** `GET /workflows/:slug/assets/:assetId/history/diff` query. */
export const diffQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: eventSeq('eventSeq of the older materialization (default: the one before `to` in its partition).'),
    to: eventSeq('eventSeq of the newer materialization (default: the latest, of `partitionKey` when given).'),
    partitionKey: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      description: 'For the defaults: the latest two materializations of this partition.',
    },
    ...minSeqQuerySchema,
  },
} as const;

export interface DiffQuery {
  from?: number;
  to?: number;
  partitionKey?: string;
  minSeq?: number;
}

const operation = {
  type: 'object',
  required: ['op', 'path'],
  properties: {
    op: { type: 'string', enum: ['add', 'remove', 'replace', 'move', 'copy', 'test'] },
    path: { type: 'string', description: 'JSON Pointer (RFC 6901) into the payload.' },
    from: { type: 'string' },
    value: { description: 'Any JSON.' },
  },
};

export const diffResponseSchema = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      required: ['assetId', 'from', 'to', 'patch'],
      properties: {
        assetId: { type: 'string' },
        from: { ...materializationSchema, nullable: true, description: 'null when `to` is the first materialization.' },
        to: materializationSchema,
        patch: {
          type: 'array',
          items: operation,
          description: 'RFC 6902 JSON Patch turning from.payload into to.payload.',
        },
      },
    },
  },
} as SchemaObject;
