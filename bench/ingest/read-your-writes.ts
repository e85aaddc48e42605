import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { percentile } from '../support/raw-limits.js';
import type { BenchService } from '../support/bench-service.js';

/** A read that has not answered 200 this long after its event's stream timestamp counts as unreadable. */
const UNREADABLE_AFTER_MS = 60_000;

export interface ReadYourWritesResult {
  offeredRate: number;
  achievedRate: number;
  /** Stream timestamp of the run's `asset.produced` → the history read with `?minSeq` answered 200. */
  readable: { p50: number; p99: number; count: number };
  /** Stream timestamp → the completion's answer reached the client. */
  completed: { p50: number; p99: number };
  /** Stream timestamp → the read sent (the bench's own observer has told the client the sequence). */
  sent: { p50: number; p99: number };
  /** Completions that answered 2xx but whose history read never answered 200 within 60 s. */
  unreadable: number;
  /** Read answers other than 200 (each retried), by status. */
  retries: Map<number, number>;
  /** Completions answered 503 `overloaded` and sent again after `Retry-After`. */
  shedCompletions: number;
  /** Completions that never answered 2xx (neither retried nor read). */
  failedCompletions: number;
  failureCauses: Map<string, number>;
  /** Reads that took over a second from sent to answered: how many, how many on a new connection, when (s). */
  slow: { count: number; newConnection: number; firstAt: number; lastAt: number; maxMs: number };
}

/**
 * What a client does in the issue's table: completes a step (one asset), then reads the asset's history with
 * `?minSeq=<seq of its asset.produced>`, one read per event, open-loop at `rate`. The sequence and the stream
 * timestamp come from an observer of the stream (the client learns the sequence; the timestamp is the start of
 * the measured span).
 */
export async function readYourWrites(
  service: BenchService,
  natsUrl: string,
  runIds: string[],
  rate: number,
): Promise<ReadYourWritesResult> {
  const nc = await connect({ servers: natsUrl });
  const consumer = await jetstream(nc).consumers.get(service.streams.events, {
    filter_subjects: `${service.prefix}.asset.produced.>`,
    deliver_policy: DeliverPolicy.New,
  });
  const produced = new Map<string, { seq: number; at: number }>();
  const waiting = new Map<string, (value: { seq: number; at: number }) => void>();
  const messages = await consumer.consume({ max_messages: 1000 });
  void (async () => {
    for await (const message of messages) {
      const runId = message.json<{ data: { workflowRunId: string } }>().data.workflowRunId;
      const seen = { seq: message.seq, at: message.info.timestampNanos / 1e6 };
      produced.set(runId, seen);
      waiting.get(runId)?.(seen);
      waiting.delete(runId);
    }
  })();
  const producedOf = (runId: string) =>
    produced.get(runId) ?? new Promise<{ seq: number; at: number }>((resolve) => waiting.set(runId, resolve));
  const readable: number[] = [];
  const completed: number[] = [];
  const sent: number[] = [];
  const retries = new Map<number, number>();
  let unreadable = 0;
  let failedCompletions = 0;
  const slow = { count: 0, newConnection: 0, firstAt: Infinity, lastAt: 0, maxMs: 0 };
  let started = Date.now();
  const readOne = async (runId: string, answeredAt: number): Promise<void> => {
    const event = await producedOf(runId);
    completed.push(answeredAt - event.at);
    sent.push(Date.now() - event.at);
    for (;;) {
      const sentAt = Date.now();
      const answer: { status: number; body?: { retryAfterMs?: number }; reusedSocket?: boolean } = await service
        .request('GET', `/workflows/ingest/assets/bench.ingest/history?minSeq=${event.seq}&limit=1`)
        .catch(() => ({ status: 0 }));
      const took = Date.now() - sentAt;
      if (took > 1000) {
        slow.count += 1;
        if (answer.reusedSocket === false) slow.newConnection += 1;
        slow.firstAt = Math.min(slow.firstAt, (sentAt - started) / 1000);
        slow.lastAt = Math.max(slow.lastAt, (sentAt - started) / 1000);
        slow.maxMs = Math.max(slow.maxMs, took);
      }
      if (answer.status === 200) {
        readable.push(Date.now() - event.at);
        return;
      }
      retries.set(answer.status, (retries.get(answer.status) ?? 0) + 1);
      if (Date.now() - event.at > UNREADABLE_AFTER_MS) {
        unreadable += 1;
        return;
      }
      // A 503 says when to come back (`retryAfterMs`); anything else is retried after 50 ms.
      await new Promise((resolve) => setTimeout(resolve, answer.body?.retryAfterMs ?? 50));
    }
  };
  /** A completion, sent again after `Retry-After` while it is shed (a 2xx is what the client waits for). */
  let shedCompletions = 0;
  /** Why completions failed (status and problem code; 0 = no answer), for the report. */
  const failureCauses = new Map<string, number>();
  const completeOne = async (runId: string, i: number): Promise<boolean> => {
    const body = { status: 'succeeded', result: { assets: [{ assetId: 'bench.ingest', payload: { n: i } }] } };
    for (;;) {
      const answer = await service
        .complete(runId, body)
        .catch((error: { code?: string }) => ({ status: 0, body: { code: error.code ?? 'no answer' } }));
      if (answer.status === 200) return true;
      const problem = answer.body as { retryAfterMs?: number; code?: string } | undefined;
      const retryAfterMs = problem?.retryAfterMs;
      if (answer.status !== 503 || retryAfterMs === undefined) {
        const why = `${answer.status}${problem?.code ? ` ${problem.code}` : ''}`;
        failureCauses.set(why, (failureCauses.get(why) ?? 0) + 1);
        return false;
      }
      shedCompletions += 1;
      await new Promise((resolve) => setTimeout(resolve, retryAfterMs));
    }
  };
  started = Date.now();
  const clients: Array<Promise<void>> = [];
  for (const [i, runId] of runIds.entries()) {
    const wait = started + (i * 1000) / rate - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    // Each client settles on its own (failures are counted, never thrown), so awaiting them all later is safe.
    clients.push(
      completeOne(runId, i)
        .then((ok) => (ok ? readOne(runId, Date.now()) : void (failedCompletions += 1)))
        .catch(() => void (failedCompletions += 1)),
    );
  }
  const achievedRate = runIds.length / ((Date.now() - started) / 1000);
  await Promise.all(clients);
  messages.stop();
  await nc.close();
  return {
    offeredRate: rate,
    achievedRate,
    readable: { p50: percentile(readable, 50), p99: percentile(readable, 99), count: readable.length },
    completed: { p50: percentile(completed, 50), p99: percentile(completed, 99) },
    sent: { p50: percentile(sent, 50), p99: percentile(sent, 99) },
    unreadable,
    retries,
    slow,
    shedCompletions,
    failedCompletions,
    failureCauses,
  };
}
