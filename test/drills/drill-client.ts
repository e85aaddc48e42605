import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { ADMIN_TOKEN } from '../support/test-app.js';

export interface Answer {
  status: number;
  body: any;
  /** The `Retry-After` header, if any. */
  retryAfter?: string | null;
}

/** One HTTP call; a connection failure answers status 0. */
export async function call(baseUrl: string, method: string, path: string, body?: unknown): Promise<Answer> {
  try {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text ? JSON.parse(text) : null,
      retryAfter: response.headers.get('retry-after'),
    };
  } catch {
    return { status: 0, body: null };
  }
}

/**
 * What a well-behaved client does during an outage: retry 503 (`dependency_unavailable`, `overloaded`) and lost
 * connections after a pause, until an answer that is not "try again". Records every answer it saw.
 */
export async function callUntilAnswered(
  baseUrl: string,
  method: string,
  path: string,
  body: unknown,
  seen: Answer[],
  deadlineMs = 90_000,
): Promise<Answer> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const answer = await call(baseUrl, method, path, body);
    seen.push(answer);
    if (answer.status !== 0 && answer.status !== 503) return answer;
    if (Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Runs `work` for each index with at most `limit` at a time. */
export async function mapLimit(count: number, limit: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

/**
 * Every `Nats-Msg-Id` in a stream with how often it occurs (headers only). Creating the reading consumer needs the
 * JetStream meta leader, which may still be electing right after a drill brought a killed node back (a fresh-clone
 * CI run timed out there after the leader-kill drill): a failed read is tried again until `timeoutMs` has passed.
 */
export async function streamIdCounts(
  natsUrl: string,
  stream: string,
  timeoutMs = 45_000,
): Promise<Map<string, number>> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await readIdCounts(natsUrl, stream);
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      process.stdout.write(
        `stream ids of ${stream}: read ${attempt} failed (${(error as Error).name}: ${(error as Error).message}); again in 500 ms\n`,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

async function readIdCounts(natsUrl: string, stream: string): Promise<Map<string, number>> {
  const nc = await connect({ servers: natsUrl });
  try {
    const consumer = await jetstream(nc).consumers.get(stream, {
      deliver_policy: DeliverPolicy.All,
      headers_only: true,
    });
    const counts = new Map<string, number>();
    const messages = await consumer.consume({ max_messages: 4096, expires: 2000 });
    for await (const message of messages) {
      const id = message.headers?.get('Nats-Msg-Id') ?? `(none:${message.seq})`;
      counts.set(id, (counts.get(id) ?? 0) + 1);
      if (message.info.pending === 0) break;
    }
    messages.stop();
    return counts;
  } finally {
    await nc.close();
  }
}

/** Polls one number from Postgres until it reaches `target`. */
export async function waitForCount(url: string, query: string, target: number, timeoutMs = 90_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  while (Date.now() < deadline) {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined);
    try {
      await client.connect();
      last = (await client.query<{ n: number }>(query)).rows[0]!.n;
      if (last >= target) return last;
    } catch {
      /* the database may be down in a drill */
    } finally {
      await client.end().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return last;
}

/** Polls readiness until 200; answers when it became ready (ms epoch). */
export async function waitUntilReady(baseUrl: string, timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last: Answer | undefined;
  while (Date.now() < deadline) {
    last = await call(baseUrl, 'GET', '/health/ready');
    if (last.status === 200) return Date.now();
    if (process.env.DRILL_DEBUG) process.stdout.write(`${Date.now()} ${JSON.stringify(last.body?.checks)}\n`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not ready within ${timeoutMs} ms: ${last?.status} ${JSON.stringify(last?.body?.checks)}`);
}

/** Registers the drill's workflow and requests `runs` runs, each dispatched (running) before it returns. */
export async function prepareBurst(baseUrl: string, databaseUrl: string, runs: number): Promise<string[]> {
  const definition = {
    slug: 'drill',
    name: 'Drill',
    steps: [
      { id: 'make', jobSlug: 'drill-job', produces: [{ assetId: 'drill.out', partitioning: { type: 'dynamic' } }] },
    ],
  };
  const registered = await call(baseUrl, 'POST', '/workflows', definition);
  if (registered.status !== 201) throw new Error(`register failed: ${JSON.stringify(registered.body)}`);
  const runIds: string[] = [];
  await mapLimit(runs, 16, async (i) => {
    const answer = await call(baseUrl, 'POST', '/workflows/drill/run', { partitionKey: `p-${i}` });
    if (answer.status !== 202) throw new Error(`run failed: ${JSON.stringify(answer.body)}`);
    runIds[i] = answer.body.data.id;
  });
  const dispatched = `select count(*)::int as n from workflow_run where workflow_slug = 'drill' and state->'steps'->'make'->>'status' = 'running'`;
  if ((await waitForCount(databaseUrl, dispatched, runs)) < runs) throw new Error('runs were not dispatched');
  return runIds;
}

/** Completes every run like a retrying client (16 at a time); `onAnswered` counts the completions answered. */
export async function completeBurst(
  baseUrl: string,
  runIds: string[],
  seen: Answer[],
  onAnswered: () => void,
): Promise<Answer[]> {
  const answers: Answer[] = [];
  await mapLimit(runIds.length, 16, async (i) => {
    answers[i] = await callUntilAnswered(
      baseUrl,
      'POST',
      `/workflow-runs/${runIds[i]}/steps/make/complete`,
      { status: 'succeeded', attempt: 1, result: { assets: [{ assetId: 'drill.out', payload: { i } }] } },
      seen,
    );
    onAnswered();
  });
  return answers;
}

/** What a drill checks at the end: every run succeeded once, every materialization recorded once, no id twice. */
export async function expectNothingLostNothingTwice(
  databaseUrl: string,
  natsUrl: string,
  stream: string,
  runs: number,
): Promise<void> {
  const succeeded = `select count(*)::int as n from workflow_run where workflow_slug = 'drill' and status = 'succeeded'`;
  expect(await waitForCount(databaseUrl, succeeded, runs)).toBe(runs);
  const history = `select count(distinct event_id)::int as n from asset_materialization where asset_id = 'drill.out'`;
  expect(await waitForCount(databaseUrl, history, runs)).toBe(runs);
  const once = `select count(*)::int as n from asset_partition where asset_id = 'drill.out' and materializations = 1`;
  expect(await waitForCount(databaseUrl, once, runs)).toBe(runs);
  const ids = await streamIdCounts(natsUrl, stream);
  expect([...ids].filter(([, count]) => count > 1)).toEqual([]);
}
