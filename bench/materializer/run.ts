/**
 * Materializer benchmark (printed table, not a test): reaction latency asset.produced → workflow.run.requested at a
 * fixed offered rate across 1,000 assets, a burst of 100 upstream partitions, and freshness-timer lateness with
 * 100,000 pending timers — next to raw JetStream publish measured in the same run. Run: `npm run bench:materializer`
 * (env: NATS_URL, BENCH_DATABASE_URL, BENCH_RATE=200, BENCH_SECONDS=20, BENCH_TIMERS=100000, BENCH_TIMER_WINDOW_S=60,
 * BENCH_ROLES to run the service with other roles than all of them).
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { BenchService } from '../support/bench-service.js';
import { rawJetStreamPublish, table } from '../support/raw-limits.js';
import { ASSETS, burst, rawPublishLatency, reactionAtRate, registerGraph } from './bench-phases.js';
import { waitForCheckpoint } from './bench-events.js';
import { timerLateness } from './timer-lateness.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const RATE = Number(process.env.BENCH_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const TIMERS = Number(process.env.BENCH_TIMERS ?? 100_000);
const TIMER_WINDOW_MS = Number(process.env.BENCH_TIMER_WINDOW_S ?? 60) * 1000;
const ms = (value: number) => `${value.toFixed(1)} ms`;

async function main(): Promise<void> {
  process.stdout.write('measuring raw JetStream publish…\n');
  const rawAsync = await rawJetStreamPublish(NATS_URL);
  const rawSeq = await rawPublishLatency(NATS_URL);
  const env = { ASSET_MATERIALIZER_MAX_CONCURRENT_RUNS_PER_WORKFLOW: '4', ...(process.env.BENCH_ROLES ? { APPHUB_ROLES: process.env.BENCH_ROLES } : {}) };
  const service = await BenchService.start({ natsUrl: NATS_URL, adminUrl: ADMIN_URL, name: 'materializer', env });
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
    const reaction = await reactionAtRate(service, nats, RATE, SECONDS, 'rate');
    process.stdout.write('burst: 100 partitions at once…\n');
    const spike = await burst(service, nats);
    process.stdout.write(`timers: arming ${TIMERS}…\n`);
    const timers = await timerLateness(service, nats, TIMERS, Math.max(15_000, TIMERS * 0.7), TIMER_WINDOW_MS);

    const reactionPerSecond = 1000 / reaction.latency.p50;
    process.stdout.write(`\napphub-assets materializer benchmark (${new Date().toISOString()}, roles ${process.env.BENCH_ROLES ?? 'all'})\n`);
    process.stdout.write(
      `${table([
        ['raw JetStream async publish', `${Math.round(rawAsync)} msg/s`, 'same machine, same run'],
        ['raw JetStream sequential publish (round trip)', `p50 ${ms(rawSeq.p50)} · p99 ${ms(rawSeq.p99)}`, `${Math.round(rawSeq.rate)} msg/s`],
        [`reaction p50 @ ${RATE}/s over ${ASSETS} assets`, ms(reaction.latency.p50), `${(reaction.latency.p50 / rawSeq.p50).toFixed(1)} × a raw publish round trip`],
        [`reaction p99 @ ${RATE}/s`, ms(reaction.latency.p99), `target < 25 ms; ${(reaction.latency.p99 / rawSeq.p99).toFixed(1)} × raw p99`],
        [`reaction max @ ${RATE}/s`, ms(reaction.latency.max), `${reaction.latency.n} runs, ${reaction.missing} missing, offered ${Math.round(reaction.achievedRate)}/s`],
        ['burst: downstream runs for 100 partitions', `${spike.runs}/100`, `published within ${ms(spike.publishSpanMs)}; target 100/100`],
        ['burst: first produced → last run requested', ms(spike.lastRequestedAfterMs), `${Math.round((spike.runs * 1000) / spike.lastRequestedAfterMs)} runs/s = ${((spike.runs * 1000) / spike.lastRequestedAfterMs / rawAsync).toFixed(3)} × raw async publish`],
        [`timer lateness p50 (${timers.pending} pending)`, ms(timers.lateness.p50), `armed at ${Math.round(timers.armRate)}/s (${(timers.armRate / rawAsync).toFixed(2)} × raw)`],
        ['timer lateness p99', ms(timers.lateness.p99), 'target < 250 ms'],
        ['timer lateness max', ms(timers.lateness.max), `${timers.fired}/${timers.pending} fired, ${timers.early} early`],
        ['single reaction capacity (1 / p50)', `${Math.round(reactionPerSecond)} /s`],
      ])}\n`,
    );
  } finally {
    await nc.close();
    await service.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`benchmark failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
