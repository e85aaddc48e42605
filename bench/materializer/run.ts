/**
 * Materializer benchmark (printed table, not a test): reaction latency asset.produced → workflow.run.requested at a
 * fixed offered rate across 1,000 assets, a burst of 100 upstream partitions, and freshness-timer lateness with
 * 100,000 pending timers (BENCH_TIMERS_FIRING of them due during the window) — next to raw JetStream publish measured in the same run. Run: `npm run bench:materializer`
 * (env: NATS_URL, BENCH_DATABASE_URL, BENCH_RATE=200, BENCH_SECONDS=20, BENCH_TIMERS=100000, BENCH_TIMERS_FIRING=2000,
 * BENCH_TIMER_WINDOW_S=60). By default the materializer runs as its own process (`APPHUB_ROLES=materializer`, as
 * `npm run materializer` deploys it) next to a service with the other roles; BENCH_ROLES=<roles> runs one process
 * with those roles instead (e.g. `api,projector,materializer,worker`).
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { BenchService } from '../support/bench-service.js';
import { rawJetStreamPublish, table } from '../support/raw-limits.js';
import { ASSETS, burst, rawPublishLatency, reactionAtRate, registerGraph } from './bench-phases.js';
import { waitForCheckpoint } from './bench-events.js';
import { startCompanionProcess } from '../support/companion-process.js';
import { timerLateness } from './timer-lateness.js';
import { batchTimes, delta, histogramPercentile, scrape, type Samples } from '../support/service-metrics.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const RATE = Number(process.env.BENCH_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const TIMERS = Number(process.env.BENCH_TIMERS ?? 100_000);
const FIRING = Number(process.env.BENCH_TIMERS_FIRING ?? 2000);
const TIMER_WINDOW_MS = Number(process.env.BENCH_TIMER_WINDOW_S ?? 60) * 1000;
const ms = (value: number) => `${value.toFixed(1)} ms`;

async function main(): Promise<void> {
  process.stdout.write('measuring raw JetStream publish…\n');
  const rawAsync = await rawJetStreamPublish(NATS_URL);
  const rawSeq = await rawPublishLatency(NATS_URL);
  const split = !process.env.BENCH_ROLES;
  const roles = process.env.BENCH_ROLES ?? 'api,projector,worker';
  const service = await BenchService.start({
    natsUrl: NATS_URL,
    adminUrl: ADMIN_URL,
    name: 'materializer',
    env: { APPHUB_ROLES: roles },
  });
  const materializer = split ? await startCompanionProcess(service, NATS_URL, 'materializer') : null;
  const nc = await connect({ servers: NATS_URL });
  const nats = { js: jetstream(nc), jsm: await jetstreamManager(nc) };
  try {
    process.stdout.write(`registering ${ASSETS} upstream assets and ${ASSETS + 1} downstream workflows…\n`);
    await registerGraph(service);
    const registered = (await nats.jsm.streams.info(service.streams.events)).state.last_seq;
    await waitForCheckpoint(service.databaseUrl, 'materializer', registered, 120_000);
    process.stdout.write('warming up…\n');
    await reactionAtRate(service, nats, 50, 2, 'warm');
    process.stdout.write(`reaction: ${RATE}/s for ${SECONDS} s…\n`);
    const processes = [service.baseUrl, ...(materializer ? [materializer.baseUrl] : [])];
    const before = await Promise.all(processes.map((url) => scrape(url)));
    const reaction = await reactionAtRate(service, nats, RATE, SECONDS, 'rate');
    const after = await Promise.all(processes.map((url) => scrape(url)));
    const perReaction = (name: string) => (sumOver(before, after, name) / Math.max(1, reaction.latency.n)).toFixed(1);
    const batches = after.flatMap((samples, i) => batchTimes(before[i]!, samples));
    const pairs = before.map((samples, i): [Samples, Samples] => [samples, after[i]!]);
    const stages = (['waited', 'load', 'decide', 'effects'] as const).map((stage): [string, string] => {
      const labels = `manager="materializer",stage="${stage}"`;
      const at = (p: number) => histogramPercentile(pairs, 'apphub_manager_stage_seconds', labels, p);
      return [`  materializer ${stage}, p50 / p99`, `${ms(at(50))} / ${ms(at(99))}`];
    });
    const loopDelay = after.map((samples, i): [string, string] => [
      `  event-loop delay p99 / max, ${i === 0 ? 'service' : 'materializer'} process`,
      `${ms(1000 * (samples.get('nodejs_eventloop_lag_p99_seconds') ?? NaN))} / ${ms(1000 * (samples.get('nodejs_eventloop_lag_max_seconds') ?? NaN))}`,
    ]);
    process.stdout.write('burst: 100 partitions at once…\n');
    const spike = await burst(service, nats);
    process.stdout.write(`timers: arming ${TIMERS}…\n`);
    const timers = await timerLateness(service, nats, TIMERS, FIRING, Math.max(15_000, TIMERS * 0.5), TIMER_WINDOW_MS);

    const reactionPerSecond = 1000 / reaction.latency.p50;
    const layout = split ? `service (${roles}) + materializer process` : `one process (${roles})`;
    process.stdout.write(`\napphub-assets materializer benchmark (${new Date().toISOString()}, ${layout})\n`);
    process.stdout.write(
      `${table([
        ['raw JetStream async publish', `${Math.round(rawAsync)} msg/s`, 'same machine, same run'],
        [
          'raw JetStream sequential publish (round trip)',
          `p50 ${ms(rawSeq.p50)} · p99 ${ms(rawSeq.p99)}`,
          `${Math.round(rawSeq.rate)} msg/s`,
        ],
        [
          `reaction p50 @ ${RATE}/s over ${ASSETS} assets`,
          ms(reaction.latency.p50),
          `${(reaction.latency.p50 / rawSeq.p50).toFixed(1)} × a raw publish round trip`,
        ],
        [
          `reaction p99 @ ${RATE}/s`,
          ms(reaction.latency.p99),
          `target ≤ 15 ms (issue 15); ${(reaction.latency.p99 / rawSeq.p99).toFixed(1)} × raw p99`,
        ],
        [
          `reaction max @ ${RATE}/s`,
          ms(reaction.latency.max),
          `${reaction.latency.n} runs, ${reaction.missing} missing, offered ${Math.round(reaction.achievedRate)}/s`,
        ],
        ['NATS messages sent per reaction (all processes)', perReaction('apphub_nats_out_messages')],
        ['SQL statements per reaction (all processes)', perReaction('apphub_sql_statements_total')],
        ['where a reaction waits (materializer, apphub_manager_stage_seconds)', ''],
        ...stages,
        ...batches.map(([name, figure]): [string, string] => [`  ${name}`, figure]),
        ...loopDelay,
        [
          'burst: downstream runs for 100 partitions',
          `${spike.runs}/100`,
          `published within ${ms(spike.publishSpanMs)}; target 100/100`,
        ],
        [
          'burst: first produced → last run requested',
          ms(spike.lastRequestedAfterMs),
          `${Math.round((spike.runs * 1000) / spike.lastRequestedAfterMs)} runs/s = ${((spike.runs * 1000) / spike.lastRequestedAfterMs / rawAsync).toFixed(3)} × raw async publish`,
        ],
        [
          `timer lateness p50 (${timers.pending} pending, ${timers.firing} firing over ${TIMER_WINDOW_MS / 1000} s)`,
          ms(timers.lateness.p50),
          `armed at ${Math.round(timers.armRate)}/s (${(timers.armRate / rawAsync).toFixed(2)} × raw)`,
        ],
        ['timer lateness p99', ms(timers.lateness.p99), 'target < 250 ms'],
        [
          'timer lateness max',
          ms(timers.lateness.max),
          `${timers.fired}/${timers.firing} measured timers fired, ${timers.early} early`,
        ],
        ['single reaction capacity (1 / p50)', `${Math.round(reactionPerSecond)} /s`],
      ])}\n`,
    );
  } finally {
    await nc.close();
    await materializer?.stop();
    await service.stop();
  }
}

/** A counter's increase summed over every process of the layout. */
function sumOver(before: Samples[], after: Samples[], name: string): number {
  return after.reduce((total, samples, i) => total + delta(before[i]!, samples, name), 0);
}

main().catch((error) => {
  process.stderr.write(`benchmark failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
