import { readFileSync } from 'node:fs';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import type { ServiceProcess } from '../support/service-process.js';
import { call, mapLimit, streamIdCounts, waitForCount } from './drill-client.js';

/** One answer of a completion, with when it was sent and answered (epoch ms). */
export interface TimedAnswer {
  sentAt: number;
  at: number;
  status: number;
  code: string | null;
  /** The `Retry-After` header of a 503 (null when absent). */
  retryAfter?: string | null;
}

/** Registers `<tag>` (produces `<tag>.out`, dynamic partitions) and `<tag>-down`, auto-materialized from it. */
export async function registerPair(baseUrl: string, tag: string): Promise<void> {
  const up = {
    slug: tag,
    name: tag,
    steps: [
      { id: 'make', jobSlug: `${tag}-job`, produces: [{ assetId: `${tag}.out`, partitioning: { type: 'dynamic' } }] },
    ],
  };
  const down = {
    slug: `${tag}-down`,
    name: `${tag} downstream`,
    steps: [
      {
        id: 'down',
        jobSlug: `${tag}-down-job`,
        consumes: [{ assetId: `${tag}.out` }],
        produces: [
          {
            assetId: `${tag}.down`,
            partitioning: { type: 'dynamic' },
            autoMaterialize: { onUpstreamUpdate: true, priority: 5 },
          },
        ],
      },
    ],
  };
  for (const definition of [up, down]) {
    const answer = await call(baseUrl, 'POST', '/workflows', definition);
    if (answer.status !== 201) throw new Error(`register failed: ${JSON.stringify(answer.body)}`);
  }
}

/** Requests `runs` runs of `<tag>` (one partition each) and waits until each is dispatched. */
export async function requestRuns(baseUrl: string, databaseUrl: string, tag: string, runs: number): Promise<string[]> {
  const runIds: string[] = [];
  await mapLimit(runs, 16, async (i) => {
    const answer = await call(baseUrl, 'POST', `/workflows/${tag}/run`, { partitionKey: `p-${i}` });
    if (answer.status !== 202) throw new Error(`run failed: ${JSON.stringify(answer.body)}`);
    runIds[i] = answer.body.data.id;
  });
  const dispatched = `select count(*)::int as n from workflow_run where workflow_slug = '${tag}' and state->'steps'->'make'->>'status' = 'running'`;
  if ((await waitForCount(databaseUrl, dispatched, runs, 60_000)) < runs) throw new Error('runs were not dispatched');
  return runIds;
}

/**
 * Completes every run like a client behind a load balancer (`concurrency` at a time, paced to `perSecond` if set): a 503 or a lost connection is retried
 * after a pause on the next instance. Every answer is recorded with its times; `onAnswered` counts completions.
 */
export async function completeRuns(
  instances: () => string[],
  tag: string,
  runIds: string[],
  seen: TimedAnswer[],
  onAnswered: () => void,
  perSecond = 0,
  concurrency = 8,
): Promise<void> {
  const startedAt = Date.now();
  await mapLimit(runIds.length, concurrency, async (i) => {
    // Paced: completion i is not sent before its slot, for a steady rate instead of a burst.
    if (perSecond > 0)
      await new Promise((resolve) => setTimeout(resolve, startedAt + (i * 1000) / perSecond - Date.now()));
    const body = { status: 'succeeded', attempt: 1, result: { assets: [{ assetId: `${tag}.out`, payload: { i } }] } };
    for (let attempt = 0; ; attempt++) {
      const urls = instances();
      const sentAt = Date.now();
      const answer = await call(
        urls[(i + attempt) % urls.length]!,
        'POST',
        `/workflow-runs/${runIds[i]}/steps/make/complete`,
        body,
      );
      seen.push({
        sentAt,
        at: Date.now(),
        status: answer.status,
        code: answer.body?.code ?? null,
        retryAfter: answer.retryAfter ?? null,
      });
      if ((answer.status !== 0 && answer.status !== 503) || attempt > 300) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    onAnswered();
  });
}

/** Milliseconds from `since` until a completion sent at or after it was answered 2xx. */
export function answeredAgainAfter(seen: readonly TimedAnswer[], since: number): number | null {
  const after = seen.filter((answer) => answer.sentAt >= since && answer.status >= 200 && answer.status < 300);
  return after.length === 0 ? null : Math.min(...after.map((answer) => answer.at)) - since;
}

/** Polls an instance's readiness every 200 ms until stopped; the answers that were not 200. */
export function watchReadiness(baseUrl: string): {
  stop(): Promise<Array<{ at: number; status: number; body: unknown }>>;
} {
  let running = true;
  const misses: Array<{ at: number; status: number; body: unknown }> = [];
  const loop = (async () => {
    while (running) {
      const answer = await call(baseUrl, 'GET', '/health/ready');
      if (answer.status !== 200)
        misses.push({ at: Date.now(), status: answer.status, body: answer.body?.checks ?? null });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return misses;
    },
  };
}

/** The owner of every consumer lease in `<prefix>-leases` (`pid:uuid`, or null while none holds it). */
export class LeaseWatch {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly bucket: string,
  ) {}

  static async open(natsUrl: string, prefix: string): Promise<LeaseWatch> {
    const nc = await connect({ servers: natsUrl.split(','), maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    return new LeaseWatch(nc, `${prefix}-leases`);
  }

  async owners(): Promise<Map<string, string | null>> {
    const kv = await new Kvm(this.nc).open(this.bucket);
    const owners = new Map<string, string | null>();
    for await (const key of await kv.keys()) {
      const entry = await kv.get(key);
      owners.set(key, entry && entry.operation === 'PUT' ? entry.string() : null);
    }
    return owners;
  }

  /**
   * Diagnostics: what the bucket answers to a `create` of `key` right now (as a lease's acquisition sends it), and
   * what a `get` of it says; a created entry is deleted again at once.
   */
  async probeCreate(key: string): Promise<string> {
    const kv = await new Kvm(this.nc).open(this.bucket);
    const entry = await kv.get(key).catch((error: unknown) => error as Error);
    const seen = entry instanceof Error ? `get failed: ${entry.message}` : `get: ${entry?.operation ?? 'none'}`;
    try {
      const revision = await kv.create(key, 'drill-probe');
      await kv.delete(key, { previousSeq: revision });
      return `${seen}; create succeeded at revision ${revision}`;
    } catch (error) {
      const { name, message, code } = error as Error & { code?: unknown };
      return `${seen}; create failed: ${name} ${String(code ?? '')} ${message}`;
    }
  }

  async close(): Promise<void> {
    await this.nc.close();
  }
}

/** Every checkpoint row (`name → last_seq`). */
export async function checkpoints(databaseUrl: string): Promise<Map<string, number>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string; last_seq: string }>(
      'select name, last_seq from projection_checkpoint',
    );
    return new Map(rows.map((row) => [row.name, Number(row.last_seq)]));
  } finally {
    await client.end();
  }
}

/** Sessions of the database (other than this query's) inside a transaction, waiting on their client. */
export async function idleTransactions(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid() and state like 'idle in transaction%'`,
    );
    return rows[0]!.n;
  } finally {
    await client.end();
  }
}

/** The lease owner (`pid:uuid`) under which a consumer's checkpoint was last moved, or null. */
export async function checkpointLeaseOwner(databaseUrl: string, name: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ lease_owner: string | null }>(
      'select lease_owner from projection_checkpoint where name = $1',
      [name],
    );
    return rows[0]?.lease_owner ?? null;
  } finally {
    await client.end();
  }
}

/** Polls `/proc/<pid>/stat` every 2 ms until the process is stopped (state `T`); answers when (epoch ms). */
export async function waitUntilStopped(pid: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    // The state follows the command name in parentheses, which may itself hold spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('T')) return Date.now();
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error(`process ${pid} did not stop within ${timeoutMs} ms`);
}

/** The parent of a process (from `/proc/<pid>/stat`), or null when it is gone. */
export function parentPid(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

/**
 * Whether a lease owner (`pid:uuid`) is a process of `service`: the service itself or, in the split layout, one of
 * the two processes its supervisor started.
 */
export function ownedBy(owner: string | null | undefined, service: ServiceProcess): boolean {
  const pid = Number(owner?.split(':')[0]);
  return Number.isInteger(pid) && pid > 0 && (pid === service.child.pid || parentPid(pid) === service.child.pid);
}

/** Where every process of an instance answers `/health/ready`: one URL, or two in the split layout. */
export function healthUrls(service: ServiceProcess): string[] {
  return service.backUrl ? [service.baseUrl, service.backUrl] : [service.baseUrl];
}

/**
 * Polls some reads every 500 ms until stopped, one after the other; every answer with when it was sent and how
 * long it took.
 */
export function watchReads(
  baseUrl: string,
  paths: () => string[],
): { stop(): Promise<Array<{ path: string; sentAt: number; ms: number; status: number }>> } {
  let running = true;
  const answers: Array<{ path: string; sentAt: number; ms: number; status: number }> = [];
  const loop = (async () => {
    while (running) {
      for (const path of paths()) {
        const sentAt = Date.now();
        const answer = await call(baseUrl, 'GET', path);
        answers.push({ path, sentAt, ms: Date.now() - sentAt, status: answer.status });
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return answers;
    },
  };
}

/**
 * The drill's outcome: every run of `<tag>` succeeded once and its materialization is recorded once, the
 * downstream workflow was requested exactly once per partition, no step failed, no event id is in the stream twice,
 * and every run reads back (200) from `readFrom` as `succeeded` even without a `minSeq` (an instance that requested
 * or completed a run elsewhere answered its cached older state before the read model was consulted).
 */
export async function expectExactlyOnce(
  databaseUrl: string,
  natsUrl: string,
  stream: string,
  tag: string,
  runIds: readonly string[],
  readFrom: string,
  explain: () => Promise<void> = async () => undefined,
): Promise<{ staleRunReads: number }> {
  const runs = runIds.length;
  const count = async (query: string, target = runs) => {
    const n = await waitForCount(databaseUrl, query, target, 60_000);
    if (n !== target) await explain();
    return n;
  };
  expect(
    await count(`select count(*)::int as n from workflow_run where workflow_slug = '${tag}' and status = 'succeeded'`),
  ).toBe(runs);
  expect(
    await count(`select count(distinct event_id)::int as n from asset_materialization where asset_id = '${tag}.out'`),
  ).toBe(runs);
  expect(
    await count(
      `select count(*)::int as n from asset_partition where asset_id = '${tag}.out' and materializations = 1`,
    ),
  ).toBe(runs);
  expect(
    await count(`select count(distinct partition_key)::int as n from workflow_run where workflow_slug = '${tag}-down'`),
  ).toBe(runs);
  expect(await count(`select count(*)::int as n from workflow_run where workflow_slug = '${tag}-down'`)).toBe(runs);
  expect(
    await count(
      `select count(*)::int as n from workflow_run where workflow_slug like '${tag}%' and status = 'failed'`,
      0,
    ),
  ).toBe(0);
  const ids = await streamIdCounts(natsUrl, stream);
  expect([...ids].filter(([, n]) => n > 1)).toEqual([]);
  const unreadable: string[] = [];
  let stale = 0;
  await mapLimit(runs, 8, async (i) => {
    const answer = await call(readFrom, 'GET', `/workflow-runs/${runIds[i]}`);
    if (answer.status !== 200 || answer.body?.data?.id !== runIds[i]) unreadable.push(`${runIds[i]}: ${answer.status}`);
    else if (answer.body.data.status !== 'succeeded') stale += 1;
  });
  expect(unreadable).toEqual([]);
  // Every run is `succeeded` in the read model by now: no instance may answer an older state from its cache.
  expect(stale).toBe(0);
  return { staleRunReads: stale };
}
