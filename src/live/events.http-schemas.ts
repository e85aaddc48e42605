/** Query of `GET /events`. */
export interface LiveEventsQuery {
  subjects: string;
  lastEventId?: string;
  access_token?: string;
}

const sequence = { type: 'string', pattern: '^[0-9]{1,15}$' } as const;

export const liveEventsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    subjects: {
      type: 'string',
      default: '>',
      maxLength: 300,
      description:
        'NATS subject filter below the prefix: `asset.>`, `asset.produced.retail.>`, `run.<slug>.>`, `materializer.>`, `workflow.>`; `*` = one token, `>` = the rest. Default: every domain event.',
    },
    lastEventId: {
      ...sequence,
      description:
        'Resume after this stream sequence (fallback for clients that cannot send the Last-Event-ID header; the header wins).',
    },
    access_token: {
      type: 'string',
      minLength: 1,
      maxLength: 500,
      description:
        'Operator token for deployments with APPHUB_READ_AUTH=required, for EventSource clients that cannot send an Authorization header. Prefer the header where possible: URLs end up in logs.',
    },
  },
} as const;

export const lastEventIdHeaderSchema = sequence;
