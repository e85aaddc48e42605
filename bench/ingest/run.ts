/**
 * End-to-end asset ingest benchmark (printed table, not a test): HTTP step completion with one asset → history row
 * visible, and projection lag at a fixed offered rate, next to raw JetStream publish and raw Postgres batched insert
 * measured in the same run. Run: `npm run bench:ingest` (env: NATS_URL, BENCH_DATABASE_URL, BENCH_RUNS, BENCH_RATE).
 */
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { percentile, rawJetStreamPublish, rawPostgresBatchInsert, table } from '../support/raw-limits.js';
import { BenchService } from '../support/bench-service.js';
import { startCompanionProcess } from '../support/companion-process.js';
import { batchTimes, delta, scrape } from '../support/service-metrics.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const RUNS = Number(process.env.BENCH_RUNS ?? 6000);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const LAG_SECONDS = Number(process.env.BENCH_LAG_SECONDS ?? 5);

async function main(): Promise<void> {
  process.stdout.write('measuring raw limits…\n');
  const rawPublish = await rawJetStreamPublish(NATS_URL);
  // BENCH_LAYOUT=split: HTTP + worker in one process, the stream consumers (projector, materializer) in another.
  const split = process.env.BENCH_LAYOUT === 'split';
  const service = await BenchService.start({
    natsUrl: NATS_URL,
    adminUrl: ADMIN_URL,
    name: 'ingest',
    ...(split ? { env: { APPHUB_ROLES: 'api,worker' } } : {}),
  });
  const companion = split ? await startCompanionProcess(service, NATS_URL, 'projector,materializer') : null;
  const rawInsert = await rawPostgresBatchInsert(service.databaseUrl);
  try {
    await service.registerWorkflow({
      slug: 'ingest',
      name: 'Ingest benchmark',
      steps: [
        {
          id: 'load',
          jobSlug: 'bench-external',
          produces: [
            { assetId: 'bench.ingest', partitioning: { type: 'dynamic' }, schema: { type: 'object', required: ['n'] } },
          ],
        },
      ],
    });
    process.stdout.write(`throughput: preparing ${RUNS} dispatched runs…\n`);
    const batchA = await service.prepareRuns('ingest', RUNS, (i) => `p-${i % 1000}`);
    const urls = [service.baseUrl, ...(companion ? [companion.baseUrl] : [])];
    const before = await Promise.all(urls.map(scrape));
    const startedA = performance.now();
    await service.completeAll(batchA, 64, (i) => ({
      status: 'succeeded',
      result: { assets: [{ assetId: 'bench.ingest', payload: { n: i } }] },
    }));
    const httpSeconds = (performance.now() - startedA) / 1000;
    await service.waitForCount(
      `select count(*)::int as count from asset_materialization where asset_id = 'bench.ingest'`,
      RUNS,
      300_000,
    );
    const e2eSeconds = (performance.now() - startedA) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = await Promise.all(urls.map(scrape));
    const perRun = (name: string) => urls.reduce((sum, _url, i) => sum + delta(before[i]!, after[i]!, name), 0) / RUNS;
    const costs: Array<[string, string, string?]> = [
      ['NATS messages sent per completion (all processes)', perRun('apphub_nats_out_messages').toFixed(1)],
      ['SQL statements per completion (all processes)', perRun('apphub_sql_statements_total').toFixed(1)],
      ...urls.flatMap((_url, i) =>
        batchTimes(before[i]!, after[i]!).map(([name, value]): [string, string] => [`  ${name}`, value]),
      ),
    ];

    const lagRuns = RATE * LAG_SECONDS;
    process.stdout.write(`lag: preparing ${lagRuns} runs for ${LAG_SECONDS} s at ${RATE}/s…\n`);
    const batchB = await service.prepareRuns('ingest', lagRuns, (i) => `q-${i % 1000}`);
    const lag = await measureLag(service, batchB);

    const e2eRate = RUNS / e2eSeconds;
    process.stdout.write(
      `\napphub-assets ingest benchmark (${new Date().toISOString()}, ${RUNS} completions, 1 asset each, layout ${split ? 'split: api,worker + projector,materializer' : 'one process, all roles'})\n`,
    );
    process.stdout.write(
      `${table([
        ['raw JetStream async publish', `${Math.round(rawPublish)} msg/s`, 'same machine, same run'],
        ['raw Postgres batched insert (+checkpoint, 500/tx)', `${Math.round(rawInsert)} rows/s`],
        ['HTTP completions accepted', `${Math.round(RUNS / httpSeconds)} /s`, '64 concurrent clients'],
        [
          'end-to-end: completion → history row visible',
          `${Math.round(e2eRate)} assets/s`,
          `target ≥ 3000; ${(e2eRate / rawPublish).toFixed(3)} × raw publish, ${(e2eRate / rawInsert).toFixed(3)} × raw insert`,
        ],
        [`projection lag p50 @ ${RATE}/s (asset.produced → row)`, `${lag.projection.p50.toFixed(1)} ms`],
        [`projection lag p99 @ ${RATE}/s`, `${lag.projection.p99.toFixed(1)} ms`, 'target < 100 ms'],
        [`completion → row visible p50 @ ${RATE}/s`, `${lag.endToEnd.p50.toFixed(1)} ms`],
        [`completion → row visible p99 @ ${RATE}/s`, `${lag.endToEnd.p99.toFixed(1)} ms`],
        ['offered rate achieved', `${Math.round(lag.achievedRate)} /s`],
        ...costs,
      ])}\n`,
    );
  } finally {
    await companion?.stop();
    await service.stop();
  }
}

/** Completes runs at a fixed rate; records stream timestamps of asset.produced and when each row became visible. */
async function measureLag(service: BenchService, runIds: string[]) {
  const nc = await connect({ servers: NATS_URL });
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
  const sentAt = new Map<string, number>();
  const visibleAt = new Map<string, { eventId: string; at: number }>();
  const db = new pg.Client({ connectionString: service.databaseUrl });
  db.on('error', () => undefined);
  await db.connect();
  const before =
    (await db.query<{ max: number | null }>('select max(seq)::int as max from asset_materialization')).rows[0]!.max ??
    0;
  let lastSeq = before;
  let polling = true;
  const poller = (async () => {
    while (polling || visibleAt.size < runIds.length) {
      const rows = await db.query<{ event_id: string; run_id: string; seq: number }>(
        'select event_id, run_id, seq::int as seq from asset_materialization where seq > $1 order by seq limit 5000',
        [lastSeq],
      );
      const now = Date.now();
      for (const row of rows.rows) {
        visibleAt.set(row.run_id, { eventId: row.event_id, at: now });
        lastSeq = Math.max(lastSeq, row.seq);
      }
      if (!polling && visibleAt.size >= runIds.length) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  const started = Date.now();
  const inFlight: Promise<unknown>[] = [];
  for (const [i, runId] of runIds.entries()) {
    const due = started + (i * 1000) / RATE;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    sentAt.set(runId, Date.now());
    inFlight.push(
      service.complete(runId, {
        status: 'succeeded',
        result: { assets: [{ assetId: 'bench.ingest', payload: { n: i } }] },
      }),
    );
  }
  await Promise.all(inFlight);
  const achievedRate = runIds.length / ((Date.now() - started) / 1000);
  const deadline = Date.now() + 120_000;
  while (visibleAt.size < runIds.length && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  polling = false;
  await poller;
  messages.stop();
  await nc.close();
  await db.end();
  const projection: number[] = [];
  const endToEnd: number[] = [];
  for (const [runId, seen] of visibleAt) {
    const published = streamTime.get(seen.eventId);
    if (published !== undefined) projection.push(seen.at - published);
    const sent = sentAt.get(runId);
    if (sent !== undefined) endToEnd.push(seen.at - sent);
  }
  return {
    achievedRate,
    projection: { p50: percentile(projection, 50), p99: percentile(projection, 99) },
    endToEnd: { p50: percentile(endToEnd, 50), p99: percentile(endToEnd, 99) },
  };
}

main().catch((error) => {
  process.stderr.write(`benchmark failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
