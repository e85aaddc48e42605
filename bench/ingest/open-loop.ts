import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { percentile } from '../support/raw-limits.js';
import type { BenchService } from '../support/bench-service.js';

export interface OpenLoopResult {
  offeredRate: number;
  achievedRate: number;
  /** HTTP status → count; 0 = the request failed (reset, refused, timed out). */
  statuses: Map<number, number>;
  /** Runs whose completion answered 2xx. */
  accepted: string[];
  projection: { p50: number; p99: number };
  endToEnd: { p50: number; p99: number };
}

/**
 * Completes runs open-loop at a fixed rate (requests are sent on schedule whether or not earlier ones answered), the
 * way independent clients behave; records every answer, the stream timestamp of each `asset.produced` and when its
 * history row became visible. Failed requests are counted, never thrown.
 */
export async function completeOpenLoop(
  service: BenchService,
  natsUrl: string,
  runIds: string[],
  rate: number,
): Promise<OpenLoopResult> {
  const nc = await connect({ servers: natsUrl });
  const consumer = await jetstream(nc).consumers.get(service.streams.events, {
    filter_subjects: `${service.prefix}.asset.produced.>`,
    deliver_policy: DeliverPolicy.New,
  });
  const streamTime = new Map<string, number>();
  const messages = await consumer.consume({ max_messages: 1000 });
  void (async () => {
    for await (const message of messages)
      streamTime.set(message.json<{ id: string }>().id, message.info.timestampNanos / 1e6);
  })();
  const db = new pg.Client({ connectionString: service.databaseUrl });
  db.on('error', () => undefined);
  await db.connect();
  const start = await db.query<{ max: number | null }>('select max(seq)::int as max from asset_materialization');
  let lastSeq = start.rows[0]!.max ?? 0;
  const sentAt = new Map<string, number>();
  const visibleAt = new Map<string, { eventId: string; at: number }>();
  const statuses = new Map<number, number>();
  const accepted: string[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const rows = await db.query<{ event_id: string; run_id: string; seq: number }>(
        'select event_id, run_id, seq::int as seq from asset_materialization where seq > $1 order by seq limit 5000',
        [lastSeq],
      );
      const now = Date.now();
      for (const row of rows.rows) {
        visibleAt.set(row.run_id, { eventId: row.event_id, at: now });
        lastSeq = Math.max(lastSeq, row.seq);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  const started = Date.now();
  const inFlight: Array<Promise<void>> = [];
  for (const [i, runId] of runIds.entries()) {
    const wait = started + (i * 1000) / rate - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    sentAt.set(runId, Date.now());
    inFlight.push(
      service
        .complete(runId, { status: 'succeeded', result: { assets: [{ assetId: 'bench.ingest', payload: { n: i } }] } })
        .then(
          (answer) => {
            statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
            if (answer.status >= 200 && answer.status < 300) accepted.push(runId);
          },
          () => void statuses.set(0, (statuses.get(0) ?? 0) + 1),
        ),
    );
  }
  await Promise.all(inFlight);
  const achievedRate = runIds.length / ((Date.now() - started) / 1000);
  const deadline = Date.now() + 120_000;
  while (accepted.some((runId) => !visibleAt.has(runId)) && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  polling = false;
  await poller;
  messages.stop();
  await nc.close();
  await db.end();
  const projection: number[] = [];
  const endToEnd: number[] = [];
  for (const runId of accepted) {
    const seen = visibleAt.get(runId);
    if (!seen) continue;
    const published = streamTime.get(seen.eventId);
    if (published !== undefined) projection.push(seen.at - published);
    endToEnd.push(seen.at - sentAt.get(runId)!);
  }
  return {
    offeredRate: rate,
    achievedRate,
    statuses,
    accepted,
    projection: { p50: percentile(projection, 50), p99: percentile(projection, 99) },
    endToEnd: { p50: percentile(endToEnd, 50), p99: percentile(endToEnd, 99) },
  };
}

export function statusSummary(statuses: Map<number, number>): string {
  return [...statuses]
    .sort((a, b) => a[0] - b[0])
    .map(([status, count]) => `${status === 0 ? 'reset/timeout' : status}: ${count}`)
    .join(', ');
}
