/**
 * Overload benchmark (printed table, not a test; issue 15): the closed-loop capacity of `POST /workflows/:slug/run`,
 * then 3 × that rate offered open-loop for 3 s with a 10 s client timeout (timeouts, resets, 2xx/503 with p50/p99,
 * 503 latency, every 2xx readable within 5 s after); 1,000 idle `/events` streams (write and read latency before and
 * with them); 100 `/events` requests aborted at 1-100 ms (feed consumers left on the stream). Run:
 * `npm run bench:overload` (env: NATS_URL, BENCH_DATABASE_URL, BENCH_OVERLOAD_FACTOR, BENCH_OVERLOAD_SECONDS,
 * BENCH_IDLE_STREAMS, BENCH_IDLE_SUBJECTS).
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { readFileSync } from 'node:fs';
import { get, type ClientRequest } from 'node:http';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pg from 'pg';
import { BenchService } from '../support/bench-service.js';
import { percentile, table } from '../support/raw-limits.js';
import { delta, scrape } from '../support/service-metrics.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const FACTOR = Number(process.env.BENCH_OVERLOAD_FACTOR ?? 3);
const SECONDS = Number(process.env.BENCH_OVERLOAD_SECONDS ?? 3);
const IDLE_STREAMS = Number(process.env.BENCH_IDLE_STREAMS ?? 1000);
/** The idle streams' filter: `asset.>` sees none of the phase's writes (idle); `>` gets every one (fan-out). */
const IDLE_SUBJECTS = process.env.BENCH_IDLE_SUBJECTS ?? 'asset.>';
const CLIENT_TIMEOUT_MS = 10_000;
const SLUG = 'overload';

type Outcome = {
  kind: '2xx' | '503' | 'other' | 'timeout' | 'reset';
  ms: number;
  runId?: string;
  retryAfter?: boolean;
  retryAfterMs?: number;
};

/**
 * One run request on the bench's keep-alive `node:http` agent (not `fetch`: its per-request cost kept this client's
 * own event loop busy enough to add hundreds of milliseconds to what it measured, issue 15).
 */
async function run(service: BenchService, key: string): Promise<Outcome> {
  const started = performance.now();
  try {
    const response = await service.request(
      'POST',
      `/workflows/${SLUG}/run`,
      { runKey: key },
      { timeoutMs: CLIENT_TIMEOUT_MS },
    );
    const ms = performance.now() - started;
    if (response.status === 202) return { kind: '2xx', ms, runId: (response.body as { data: { id: string } }).data.id };
    if (response.status === 503) {
      const retryAfter =
        response.headers?.['retry-after'] !== undefined && response.headers?.['retry-after-ms'] !== undefined;
      return { kind: '503', ms, retryAfter, retryAfterMs: Number(response.headers?.['retry-after-ms'] ?? 0) };
    }
    return { kind: 'other', ms };
  } catch (error) {
    const ms = performance.now() - started;
    return { kind: (error as Error).name === 'TimeoutError' ? 'timeout' : 'reset', ms };
  }
}

async function closedLoop(service: BenchService, seconds: number, clients: number) {
  let done = 0;
  let shed = 0;
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; performance.now() < until; i += 1) {
        const outcome = await run(service, `c${c}-${i}`);
        if (outcome.kind === '2xx') done += 1;
        else if (outcome.kind === '503') {
          // As a well-behaved client does: back off for the time the service asked for.
          shed += 1;
          await new Promise((resolve) => setTimeout(resolve, outcome.retryAfterMs ?? 0));
        }
      }
    }),
  );
  return { rate: done / seconds, shed };
}

async function openLoop(service: BenchService, rate: number, seconds: number): Promise<Outcome[]> {
  const count = Math.round(rate * seconds);
  const started = performance.now();
  const sent: Array<Promise<Outcome>> = [];
  for (let i = 0; i < count; i += 1) {
    const wait = started + (i * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    sent.push(run(service, `o-${i}`));
  }
  return Promise.all(sent);
}

async function readableWithin(service: BenchService, runIds: string[], ms: number): Promise<number> {
  const db = new pg.Client({ connectionString: service.databaseUrl });
  await db.connect();
  try {
    const deadline = Date.now() + ms;
    let visible = 0;
    do {
      const { rows } = await db.query<{ count: number }>(
        'select count(*)::int as count from workflow_run where id = any($1)',
        [runIds],
      );
      visible = rows[0]!.count;
      if (visible >= runIds.length) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    } while (Date.now() < deadline);
    return visible;
  } finally {
    await db.end();
  }
}

/** Write and read latency, one request at a time. */
async function latency(service: BenchService, label: string, count = 100) {
  const writes: number[] = [];
  const reads: number[] = [];
  const statuses = new Set<number>();
  for (let i = 0; i < count; i += 1) {
    const w = await run(service, `${label}-${i}`);
    writes.push(w.ms);
    statuses.add(w.kind === '2xx' ? 202 : 0);
    const started = performance.now();
    const response = await fetch(`${service.baseUrl}/workflows/${SLUG}`);
    await response.arrayBuffer();
    reads.push(performance.now() - started);
    statuses.add(response.status);
  }
  return { writes, reads, statuses: [...statuses].sort().join('/') };
}

function openIdleStream(url: string): Promise<ClientRequest> {
  return new Promise((resolve, reject) => {
    const request = get(url, { agent: false, headers: { accept: 'text/event-stream' } }, (response) => {
      if (response.statusCode !== 200) reject(new Error(`stream answered ${response.statusCode}`));
      else resolve(request);
      response.resume();
    });
    request.on('error', reject);
  });
}

async function feedConsumers(service: BenchService): Promise<number> {
  const nc = await connect({ servers: NATS_URL });
  try {
    const jsm = await jetstreamManager(nc);
    let count = 0;
    for await (const info of jsm.consumers.list(service.streams.events)) if (info.name.startsWith('live_')) count += 1;
    return count;
  } finally {
    await nc.close();
  }
}

/** TcpExt ListenOverflows of the whole machine (connections dropped because an accept queue was full). */
function listenOverflows(): number {
  const text = readFileSync('/proc/net/netstat', 'utf8').split('\n');
  const header = text.find((line) => line.startsWith('TcpExt:') && line.includes('ListenOverflows'));
  const values = text.find((line) => line.startsWith('TcpExt:') && line !== header);
  if (!header || !values) return Number.NaN;
  return Number(values.split(' ')[header.split(' ').indexOf('ListenOverflows')]);
}

const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(0)} ms` : '—');
const p50p99 = (values: number[]) => `${ms(percentile(values, 50))} / ${ms(percentile(values, 99))}`;

async function main(): Promise<void> {
  const service = await BenchService.start({
    natsUrl: NATS_URL,
    adminUrl: ADMIN_URL,
    name: 'overload',
    env: { APPHUB_MAX_EVENT_STREAMS_PER_CLIENT: String(IDLE_STREAMS + 100) },
  });
  const rows: Array<[string, string, string?]> = [];
  try {
    await service.registerWorkflow({ slug: SLUG, name: 'Overload', steps: [{ id: 's', jobSlug: 'bench-external' }] });
    process.stdout.write('closed loop: 64 clients for 5 s…\n');
    const { rate: capacity, shed: closedShed } = await closedLoop(service, 5, 64);
    const rate = Math.round(FACTOR * capacity);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    process.stdout.write(`open loop: ${rate}/s for ${SECONDS} s…\n`);
    const before = await scrape(service.baseUrl);
    const overflowsBefore = listenOverflows();
    const clientLag = monitorEventLoopDelay({ resolution: 10 });
    clientLag.enable();
    const outcomes = await openLoop(service, rate, SECONDS);
    const after = await scrape(service.baseUrl);
    const overflows = listenOverflows() - overflowsBefore;
    clientLag.disable();
    const shedBy = ['queue_time', 'inflight', 'event_loop_delay', 'event_loop_utilization']
      .map((reason) => `${reason} ${delta(before, after, 'apphub_http_requests_shed_total', `reason="${reason}"`)}`)
      .join(', ');
    const of = (kind: Outcome['kind']) => outcomes.filter((outcome) => outcome.kind === kind);
    const accepted = of('2xx').map((outcome) => outcome.runId!);
    const visible = await readableWithin(service, accepted, 5000);
    rows.push(
      [
        'closed-loop capacity (64 clients, POST /workflows/:slug/run)',
        `${Math.round(capacity)} 2xx/s`,
        `${closedShed} × 503 meanwhile`,
      ],
      [`open loop: ${rate}/s (${FACTOR} × capacity) for ${SECONDS} s`, `${outcomes.length} requests`],
      ['  client timeouts (10 s) / resets', `${of('timeout').length} / ${of('reset').length}`, 'target 0 / 0'],
      ['  2xx / 503 / other', `${of('2xx').length} / ${of('503').length} / ${of('other').length}`],
      ['  2xx p50 / p99', p50p99(of('2xx').map((o) => o.ms))],
      ['  503 p50 / p99', p50p99(of('503').map((o) => o.ms)), 'target < 100 ms'],
      [
        '  all answers p99',
        ms(
          percentile(
            outcomes.map((o) => o.ms),
            99,
          ),
        ),
        'target ≤ 1 s',
      ],
      [
        '  503 with Retry-After and retry-after-ms',
        `${of('503').filter((o) => o.retryAfter).length} of ${of('503').length}`,
      ],
      ['  2xx readable within 5 s after the load', `${visible} of ${accepted.length}`],
      ['  shed by (server side)', shedBy],
      ['  kernel accept-queue overflows meanwhile (whole machine)', `${overflows}`],
      [
        "  the bench client's own event-loop delay p99 / max",
        `${ms(clientLag.percentile(99) / 1e6)} / ${ms(clientLag.max / 1e6)}`,
        'part of every latency above',
      ],
      [
        '  server side: mean time from onRequest to answer',
        `${((1000 * delta(before, after, 'apphub_http_request_duration_seconds_sum')) / Math.max(1, delta(before, after, 'apphub_http_request_duration_seconds_count'))).toFixed(0)} ms`,
        'the rest of what clients saw was spent before the server read the request',
      ],
    );

    await new Promise((resolve) => setTimeout(resolve, 3000));
    process.stdout.write(`idle streams: latency before, then with ${IDLE_STREAMS} open /events…\n`);
    const quiet = await latency(service, 'before');
    const streams: ClientRequest[] = [];
    for (let i = 0; i < IDLE_STREAMS; i += 1)
      streams.push(await openIdleStream(`${service.baseUrl}/events?subjects=${encodeURIComponent(IDLE_SUBJECTS)}`));
    const withStreams = await latency(service, 'with');
    const consumersWithStreams = await feedConsumers(service);
    rows.push(
      [
        `NATS consumers on the stream for ${IDLE_STREAMS} open /events`,
        `${consumersWithStreams}`,
        'one per process: the streams share it',
      ],
      [
        `write p50 / p99 without → with ${IDLE_STREAMS} idle /events?subjects=${IDLE_SUBJECTS}`,
        `${p50p99(quiet.writes)} → ${p50p99(withStreams.writes)}`,
        `statuses ${withStreams.statuses}`,
      ],
      [
        `read p50 / p99 without → with ${IDLE_STREAMS} idle /events?subjects=${IDLE_SUBJECTS}`,
        `${p50p99(quiet.reads)} → ${p50p99(withStreams.reads)}`,
      ],
    );
    for (const stream of streams) stream.destroy();
    await new Promise((resolve) => setTimeout(resolve, 3000));

    process.stdout.write('aborts: 100 /events requests aborted at 1-100 ms…\n');
    const baseline = await feedConsumers(service);
    await Promise.all(
      Array.from(
        { length: 100 },
        (_, i) =>
          new Promise<void>((resolve) => {
            const request = get(`${service.baseUrl}/events`, {
              agent: false,
              headers: { accept: 'text/event-stream' },
            });
            request.on('error', () => undefined);
            request.on('close', () => resolve());
            setTimeout(() => request.destroy(), i + 1);
          }),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 5000));
    rows.push([
      'feed consumers left 5 s after 100 aborted /events',
      `${(await feedConsumers(service)) - baseline}`,
      'target 0',
    ]);
  } finally {
    await service.stop();
  }
  process.stdout.write(
    `\napphub-assets overload benchmark (${new Date().toISOString()}, one process, default admission settings, load average ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')})\n${table(rows)}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`benchmark failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
