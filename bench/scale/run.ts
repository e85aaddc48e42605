/**
 * Scale benchmark (printed table, not a test): seeds `BENCH_EVENTS` valid events straight into a fresh stream of
 * its own prefix (workflow definitions first, then `asset.produced` across up to 1M partitions of one asset, one
 * hot partition and an unpartitioned asset with long histories), then measures the catch-up of every stream
 * consumer from an empty database, a rebuild of every read model, and read latencies at that size, next to raw
 * JetStream publish and raw Postgres insert measured in the same run.
 * Run: `npm run bench:scale` (env: BENCH_EVENTS, BENCH_PARTITIONS, BENCH_ROLES, BENCH_REQUESTS,
 * BENCH_CATCHUP_TIMEOUT_S, BENCH_PHASES=catchup,rebuild,queries,backfill, BENCH_BACKFILL_PARTITIONS, NATS_URL,
 * BENCH_DATABASE_URL). `BENCH_PHASES=backfill BENCH_EVENTS=1000` measures the backfill alone on a small stream.
 */
import { loadavg } from 'node:os';
import { openNatsContext } from '../../src/events/nats-context.js';
import { BenchService } from '../support/bench-service.js';
import { rawJetStreamPublish, rawPostgresBatchInsert, table } from '../support/raw-limits.js';
import { measureBackfill } from './backfill-phase.js';
import { followCatchUp, type CatchUpFigure } from './catch-up.js';
import { measureQueries, type LatencyFigure } from './query-latency.js';
import { runRebuild, type RebuildFigure } from './rebuild-phase.js';
import { seedStream } from './seed-events.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const EVENTS = Number(process.env.BENCH_EVENTS ?? 300_000);
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? Math.min(1_000_000, Math.floor(EVENTS * 0.9)));
const ROLES = process.env.BENCH_ROLES ?? 'api,projector,materializer';
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const CATCHUP_TIMEOUT_MS = Number(process.env.BENCH_CATCHUP_TIMEOUT_S ?? 900) * 1000;
const PHASES = new Set((process.env.BENCH_PHASES ?? 'catchup,rebuild,queries,backfill').split(','));

const log = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  log(
    `load average at start: ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')} (2 cores; other work on the machine counts)`,
  );
  log('measuring raw limits…');
  const rawPublish = await rawJetStreamPublish(NATS_URL);
  const prefix = `benchscale${process.pid}`;
  const nats = await openNatsContext({
    natsUrl: NATS_URL,
    subjectPrefix: prefix,
    streamReplicas: 1,
    leaseTtlMs: 10_000,
  });
  log(`seeding ${EVENTS} asset.produced events across ${PARTITIONS} partitions (prefix ${prefix})…`);
  let lastLog = 0;
  const seedRate = await seedStream(nats, { events: EVENTS, partitions: PARTITIONS }, (published) => {
    if (performance.now() - lastLog < 5000) return;
    lastLog = performance.now();
    log(`  published ${published}`);
  });
  const head = (await nats.jsm.streams.info(nats.subjects.streams.events)).state.last_seq;
  await nats.close();

  const startedAt = performance.now();
  const service = await BenchService.start({
    natsUrl: NATS_URL,
    adminUrl: ADMIN_URL,
    name: 'scale',
    prefix,
    env: { APPHUB_ROLES: ROLES, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn' },
  });
  const rawInsert = await rawPostgresBatchInsert(service.databaseUrl);
  let catchUp: { figures: CatchUpFigure[]; peakRssMb: number } | null = null;
  let rebuild: RebuildFigure | null = null;
  const queries: Array<{ when: string; figures: LatencyFigure[] }> = [];
  try {
    log(`catch-up of ${head} events (roles ${ROLES})…`);
    catchUp = await followCatchUp({
      databaseUrl: service.databaseUrl,
      head,
      startedAt,
      timeoutMs: CATCHUP_TIMEOUT_MS,
      pid: service.child.pid!,
      roles: ROLES.split(','),
      log,
    });
    if (PHASES.has('queries')) {
      log('queries after catch-up…');
      queries.push({ when: 'after catch-up', figures: await measureQueries(service, REQUESTS) });
    }
    if (PHASES.has('rebuild')) {
      log('rebuild of every read model (the service keeps running)…');
      rebuild = await runRebuild(service, NATS_URL, log);
      if (PHASES.has('queries')) {
        log('queries right after the rebuild…');
        queries.push({ when: 'after rebuild', figures: await measureQueries(service, REQUESTS) });
      }
    }
    if (PHASES.has('backfill')) log(`backfill of ${process.env.BENCH_BACKFILL_PARTITIONS ?? 10_000} partitions…`);
    const backfill = PHASES.has('backfill') ? await measureBackfill(service) : [];
    printReport({ head, seedRate, rawPublish, rawInsert, catchUp, rebuild, queries, backfill });
  } finally {
    await service.stop();
  }
}

function printReport(figures: {
  head: number;
  seedRate: number;
  rawPublish: number;
  rawInsert: number;
  catchUp: { figures: CatchUpFigure[]; peakRssMb: number } | null;
  rebuild: RebuildFigure | null;
  queries: Array<{ when: string; figures: LatencyFigure[] }>;
  backfill: Array<[string, string, string?]>;
}): void {
  const rows: Array<[string, string, string?]> = [
    ['raw JetStream async publish', `${Math.round(figures.rawPublish)} msg/s`, 'same machine, same run'],
    ['raw Postgres batched insert (+checkpoint, 500/tx)', `${Math.round(figures.rawInsert)} rows/s`],
    ['seed: asset.produced published', `${Math.round(figures.seedRate)} ev/s`],
  ];
  for (const figure of figures.catchUp?.figures ?? []) {
    rows.push([
      `catch-up from empty: ${figure.consumer}`,
      figure.seconds === null ? `at ${figure.position}` : `${Math.round(figures.head / figure.seconds)} ev/s`,
      figure.seconds === null
        ? `did not reach ${figures.head} within the timeout`
        : `${figure.seconds.toFixed(1)} s incl. service start; ${(figures.head / figure.seconds / figures.rawInsert).toFixed(2)} × raw insert`,
    ]);
  }
  // The service starts after the seed: its managers (executor, materializer) were down while the whole backlog was
  // written, and replay it from checkpoint 0 (AppendOnce scans only their own subjects, not the backlog).
  if (figures.catchUp)
    rows.push([
      'peak RSS of the service',
      `${Math.round(figures.catchUp.peakRssMb)} MB`,
      `after a ${figures.head}-event backlog written with the managers down`,
    ]);
  if (figures.rebuild) {
    rows.push([
      'rebuild of every read model',
      `${Math.round(figures.head / figures.rebuild.seconds)} ev/s`,
      `${figures.rebuild.seconds.toFixed(1)} s, one stream read; ${figures.rebuild.summary}`,
    ]);
    rows.push(['peak RSS of the rebuild process', `${Math.round(figures.rebuild.peakRssMb)} MB`]);
  }
  for (const { when, figures: latencies } of figures.queries)
    for (const latency of latencies)
      rows.push([`${latency.name} (${when})`, `p50 ${latency.p50.toFixed(1)} / p99 ${latency.p99.toFixed(1)} ms`]);
  rows.push(...figures.backfill);
  log(
    `\napphub-assets scale benchmark (${new Date().toISOString()}, ${figures.head} events in the stream, load average ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')})`,
  );
  log(table(rows));
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
