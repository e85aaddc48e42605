import { DeliverPolicy, type JetStreamClient } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import pg from 'pg';

/** What the benchmark reads back from the stream: server timestamps (ms) of the events it cares about. */
export interface StreamTimes {
  produced: Map<string, number>;
  /** `workflow.run.requested` of auto runs, keyed by the id of the event that triggered them. */
  requested: Map<string, number>;
  expired: Map<string, { at: number; expiresAt: number }>;
}

/** An `asset.produced` envelope as the relay appends it, published straight to JetStream. */
export async function publishProduced(
  js: JetStreamClient,
  prefix: string,
  assetId: string,
  workflowSlug: string,
  partitionKey: string,
): Promise<{ id: string; seq: number }> {
  const id = randomUUID();
  const now = new Date().toISOString();
  const runId = randomUUID();
  const envelope = {
    id,
    type: 'asset.produced',
    schemaVersion: 1,
    occurredAt: now,
    data: {
      assetId,
      workflowDefinitionId: `${workflowSlug}-id`,
      workflowSlug,
      workflowRunId: runId,
      runKey: null,
      stepId: 's',
      producedAt: now,
      partitionKey,
      payload: { n: 1 },
      schema: null,
      freshness: null,
      parameters: null,
    },
    metadata: { correlationId: runId, causationId: null, actor: 'bench' },
  };
  const h = headers();
  h.set('Apphub-Event-Type', 'asset.produced');
  const ack = await js.publish(`${prefix}.asset.produced.${assetId}`, JSON.stringify(envelope), {
    msgID: id,
    headers: h,
  });
  return { id, seq: ack.seq };
}

/** Reads `<prefix>.>` from `fromSeq` up to `toSeq` with an ordered consumer, keeping server timestamps. */
export async function readStreamTimes(
  js: JetStreamClient,
  stream: string,
  prefix: string,
  fromSeq: number,
  toSeq: number,
): Promise<StreamTimes> {
  const times: StreamTimes = { produced: new Map(), requested: new Map(), expired: new Map() };
  if (toSeq < fromSeq) return times;
  const consumer = await js.consumers.get(stream, {
    filter_subjects: `${prefix}.>`,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: fromSeq,
  });
  const messages = await consumer.consume({ max_messages: 5000 });
  for await (const message of messages) {
    const at = message.info.timestampNanos / 1e6;
    const type = message.headers?.get('Apphub-Event-Type');
    if (type === 'asset.produced') times.produced.set(message.json<{ id: string }>().id, at);
    else if (type === 'workflow.run.requested') {
      const trigger = message.json<{ data: { trigger: { triggerEventId?: string } } }>().data.trigger;
      if (trigger.triggerEventId) times.requested.set(trigger.triggerEventId, at);
    } else if (type === 'asset.expired') {
      const data = message.json<{ data: { producedEventId: string; expiresAt: string } }>().data;
      times.expired.set(data.producedEventId, { at, expiresAt: Date.parse(data.expiresAt) });
    }
    if (message.seq >= toSeq) break;
  }
  messages.stop();
  return times;
}

/** Polls a consumer's checkpoint in the service's database until it reaches `seq`. */
export async function waitForCheckpoint(
  databaseUrl: string,
  name: string,
  seq: number,
  timeoutMs: number,
): Promise<void> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await db.query<{ last_seq: number }>(
        'select last_seq::int as last_seq from projection_checkpoint where name = $1',
        [name],
      );
      if ((rows[0]?.last_seq ?? 0) >= seq) return;
      if (Date.now() > deadline)
        throw new Error(`${name} at ${rows[0]?.last_seq ?? 0}, not ${seq}, after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await db.end();
  }
}

/** Runs `work(i)` for i in 0..count-1 with at most `limit` at a time. */
export async function mapLimit(count: number, limit: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) await work(next++);
    }),
  );
}
