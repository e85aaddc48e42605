/**
 * End-to-end asset ingest benchmark (printed table, not a test): HTTP step completion with one asset → history row
 * visible, and projection lag at a fixed offered rate, next to raw JetStream publish and raw Postgres batched insert
 * measured in the same run; then twice the measured capacity offered open-loop (overload: 503s, never resets; every
 * accepted completion recorded once). Run: `npm run bench:ingest` (env: NATS_URL, BENCH_DATABASE_URL, BENCH_RUNS,
 * BENCH_RATES, BENCH_LAG_SECONDS, BENCH_OVERLOAD_SECONDS, BENCH_LAYOUT=split|split3, BENCH_PHASES, BENCH_READ_RATES,
 * BENCH_READ_SECONDS). The `read` phase is the issue-15 table: a client completes a step, then reads the asset's
 * history with `?minSeq=<seq of its asset.produced>`; printed with where the event waited (stage breakdown).
 */
import { loadavg } from 'node:os';
import { rawJetStreamPublish, rawPostgresBatchInsert, table } from '../support/raw-limits.js';
import { completeOpenLoop, statusSummary } from './open-loop.js';
import { BenchService } from '../support/bench-service.js';
import { startCompanionProcess } from '../support/companion-process.js';
import { batchTimes, delta, scrape } from '../support/service-metrics.js';
import { readPhase } from './read-phase.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const RUNS = Number(process.env.BENCH_RUNS ?? 6000);
/** Offered rates of the lag phases with their p99 targets (`BENCH_RATES=400,1000`). */
const LAG_RATES: Array<[number, number]> = (process.env.BENCH_RATES ?? '400,1000')
  .split(',')
  .map(Number)
  .map((rate) => [rate, rate <= 400 ? 50 : 100]);
const LAG_SECONDS = Number(process.env.BENCH_LAG_SECONDS ?? 5);
const OVERLOAD_SECONDS = Number(process.env.BENCH_OVERLOAD_SECONDS ?? 5);
/** Which phases run (`BENCH_PHASES=read` for the read-your-writes table alone). */
const PHASES = new Set((process.env.BENCH_PHASES ?? 'throughput,lag,read,overload').split(','));
/** Offered rates of the read-your-writes phase (`BENCH_READ_RATES=50,400,1000`). */
const READ_RATES = (process.env.BENCH_READ_RATES ?? '50,400,1000').split(',').map(Number);
const READ_SECONDS = Number(process.env.BENCH_READ_SECONDS ?? 5);

async function main(): Promise<void> {
  process.stdout.write('measuring raw limits…\n');
  const rawPublish = await rawJetStreamPublish(NATS_URL);
  // BENCH_LAYOUT=split: HTTP + worker in one process, the stream consumers (projector, materializer) in another;
  // split3: the projector and the process managers in a process each.
  const layout = process.env.BENCH_LAYOUT ?? 'single';
  const split = layout === 'split' || layout === 'split3';
  const companionRoles = layout === 'split3' ? ['projector', 'materializer'] : ['projector,materializer'];
  const service = await BenchService.start({
    natsUrl: NATS_URL,
    adminUrl: ADMIN_URL,
    name: 'ingest',
    ...(split ? { env: { APPHUB_ROLES: 'api,worker' } } : {}),
  });
  const companions = [];
  if (split) for (const roles of companionRoles) companions.push(await startCompanionProcess(service, NATS_URL, roles));
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
    const urls = [service.baseUrl, ...companions.map((companion) => companion.baseUrl)];
    const rows: Array<[string, string, string?]> = [
      ['raw JetStream async publish', `${Math.round(rawPublish)} msg/s`, 'same machine, same run'],
      ['raw Postgres batched insert (+checkpoint, 500/tx)', `${Math.round(rawInsert)} rows/s`],
    ];
    let e2eRate = 0;
    if (PHASES.has('throughput')) {
      process.stdout.write(`throughput: preparing ${RUNS} dispatched runs…\n`);
      const batchA = await service.prepareRuns('ingest', RUNS, (i) => `p-${i % 1000}`);
      const before = await Promise.all(urls.map(scrape));
      const startedA = performance.now();
      const { shed } = await service.completeAll(batchA, 64, (i) => ({
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
      e2eRate = RUNS / e2eSeconds;
      await new Promise((resolve) => setTimeout(resolve, 500));
      const after = await Promise.all(urls.map(scrape));
      const perRun = (name: string) =>
        urls.reduce((sum, _url, i) => sum + delta(before[i]!, after[i]!, name), 0) / RUNS;
      rows.push(
        [
          'HTTP completions accepted',
          `${Math.round(RUNS / httpSeconds)} /s`,
          `64 concurrent clients; ${shed} answers 503 overloaded, retried after Retry-After`,
        ],
        [
          'end-to-end: completion → history row visible',
          `${Math.round(e2eRate)} assets/s`,
          `target ≥ 2000; ${(e2eRate / rawPublish).toFixed(3)} × raw publish (target ≥ 0.10), ${(e2eRate / rawInsert).toFixed(3)} × raw insert`,
        ],
        ['NATS messages sent per completion (all processes)', perRun('apphub_nats_out_messages').toFixed(1)],
        ['SQL statements per completion (all processes)', perRun('apphub_sql_statements_total').toFixed(1)],
        [
          'CPU per completion, by process',
          urls
            .map(
              (_url, i) =>
                `${urls.length > 1 ? `#${i + 1} ` : ''}${((1000 * delta(before[i]!, after[i]!, 'process_cpu_seconds_total')) / RUNS).toFixed(2)} ms`,
            )
            .join(', '),
          'compare with the read phase: CPU per completion + read',
        ],
        ...urls.flatMap((_url, i) =>
          batchTimes(before[i]!, after[i]!).map(([name, value]): [string, string] => [`  ${name}`, value]),
        ),
      );
      process.stdout.write(`${table(rows)}\n`);
    }

    if (PHASES.has('lag'))
      for (const [rate, target] of LAG_RATES) {
        process.stdout.write(`lag: preparing ${rate * LAG_SECONDS} runs for ${LAG_SECONDS} s at ${rate}/s…\n`);
        const runs = await service.prepareRuns('ingest', rate * LAG_SECONDS, (i) => `q${rate}-${i % 1000}`);
        const cpuBefore = await Promise.all(urls.map(scrape));
        const lag = await completeOpenLoop(service, NATS_URL, runs, rate);
        await new Promise((resolve) => setTimeout(resolve, 500));
        const cpuAfter = await Promise.all(urls.map(scrape));
        const cpu = urls
          .map((_url, i) => {
            const ms = (1000 * delta(cpuBefore[i]!, cpuAfter[i]!, 'process_cpu_seconds_total')) / runs.length;
            return `${urls.length > 1 ? `#${i + 1} ` : ''}${ms.toFixed(2)} ms`;
          })
          .join(', ');
        rows.push(
          [`projection lag p50 @ ${rate}/s (asset.produced → row)`, `${lag.projection.p50.toFixed(1)} ms`],
          [`projection lag p99 @ ${rate}/s`, `${lag.projection.p99.toFixed(1)} ms`, `target ≤ ${target} ms`],
          [
            `completion → row visible p50 / p99 @ ${rate}/s`,
            `${lag.endToEnd.p50.toFixed(0)} / ${lag.endToEnd.p99.toFixed(0)} ms`,
          ],
          [`  offered ${rate}/s, achieved`, `${Math.round(lag.achievedRate)} /s`, statusSummary(lag.statuses)],
          [`  CPU per completion @ ${rate}/s, by process`, cpu, 'no reads: compare with the read phase'],
        );
        process.stdout.write(`${table(rows.slice(-5))}\n`);
      }

    if (PHASES.has('read'))
      for (const rate of READ_RATES) {
        const readRows = await readPhase(service, NATS_URL, urls, rate, READ_SECONDS);
        process.stdout.write(`${table(readRows)}\n`);
        rows.push(...readRows);
      }

    if (PHASES.has('overload') && e2eRate > 0) {
      // Overload: twice the measured capacity, open-loop, for OVERLOAD_SECONDS.
      const overloadRate = Math.round(2 * e2eRate);
      const overloadRuns = overloadRate * OVERLOAD_SECONDS;
      process.stdout.write(
        `overload: preparing ${overloadRuns} runs for ${OVERLOAD_SECONDS} s at ${overloadRate}/s…\n`,
      );
      const batchC = await service.prepareRuns('ingest', overloadRuns, (i) => `o-${i % 1000}`);
      const overload = await completeOpenLoop(service, NATS_URL, batchC, overloadRate);
      const recorded = await service.countQuery(
        `select count(*)::int as count from asset_materialization where run_id = any($1)`,
        [overload.accepted],
      );
      const distinct = await service.countQuery(
        `select count(distinct run_id)::int as count from asset_materialization where run_id = any($1)`,
        [overload.accepted],
      );
      process.stdout.write('overload: measuring the lag after the burst…\n');
      const after5 = await service.prepareRuns('ingest', 100 * 5, (i) => `r-${i % 1000}`);
      const recovery = await completeOpenLoop(service, NATS_URL, after5, 100);
      rows.push(
        [
          `overload: ${overloadRate}/s offered for ${OVERLOAD_SECONDS} s`,
          statusSummary(overload.statuses),
          'target: 0 resets/timeouts',
        ],
        [
          '  2xx completions recorded (distinct)',
          `${recorded} (${distinct}) of ${overload.accepted.length}`,
          'target: every 2xx exactly once',
        ],
        [
          '  projection lag p99 in the 5 s after the burst',
          `${recovery.projection.p99.toFixed(1)} ms`,
          'target < 100 ms',
        ],
      );
    }

    process.stdout.write(
      `\napphub-assets ingest benchmark (${new Date().toISOString()}, ${RUNS} completions, 1 asset each, layout ${split ? `${layout}: ${['api,worker', ...companionRoles].join(' + ')}` : 'one process, all roles'}, load average ${loadavg()
        .map((v) => v.toFixed(2))
        .join(' ')})\n`,
    );
    process.stdout.write(`${table(rows)}\n`);
  } finally {
    for (const companion of companions) await companion.stop();
    await service.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`benchmark failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
