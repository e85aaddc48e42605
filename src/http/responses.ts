import type { FastifyReply } from 'fastify';

export const EVENT_SEQ_HEADER = 'Apphub-Event-Seq';

/** `{ data, meta: { eventSeq } }` plus the `Apphub-Event-Seq` header, for every write. */
export function written<T>(reply: FastifyReply, data: T, eventSeq: number, meta: Record<string, unknown> = {}) {
  void reply.header(EVENT_SEQ_HEADER, String(eventSeq));
  return { data, meta: { ...meta, eventSeq } };
}

/** 204 for a write without a body, still carrying the sequence header. */
export function writtenNoContent(reply: FastifyReply, eventSeq: number): void {
  void reply.header(EVENT_SEQ_HEADER, String(eventSeq));
  void reply.status(204);
}

/** A JSON schema fragment shared by every read: `?minSeq=N` waits for the read model. */
export const minSeqQuerySchema = {
  minSeq: {
    type: 'integer',
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    description: 'Wait (≤ 5 s) until the read model has applied this event sequence (meta.eventSeq of a write).',
  },
} as const;

/** Parses `If-Match: "<version>"` (quotes and W/ optional). Undefined when absent; NaN-safe. */
export function parseIfMatch(header: string | string[] | undefined): number | undefined | 'invalid' {
  if (header === undefined) return undefined;
  const value = (Array.isArray(header) ? header[0] : header)!
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
  return /^[1-9][0-9]{0,8}$/.test(value) ? Number(value) : 'invalid';
}
