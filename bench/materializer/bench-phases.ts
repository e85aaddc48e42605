import {
  jetstream,
  jetstreamManager,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createHash } from 'node:crypto';
import { percentile } from '../support/raw-limits.js';
import type { BenchService } from '../support/bench-service.js';
import { mapLimit, publishProduced, readStreamTimes, waitForCheckpoint } from './bench-events.js';

export const ASSETS = 1000;

/** The benchmark's own NATS handles. */
export interface BenchNats {
  js: JetStreamClient;
  jsm: JetStreamManager;
}
const STEPS_PER_UPSTREAM = 100;

export interface Percentiles {
  p50: number;
  p99: number;
  max: number;
  n: number;
}

export function summarize(values: number[]): Percentiles {
  return {
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: values.length ? Math.max(...values) : NaN,
    n: values.length,
  };
}

/** 1,000 upstream assets (10 workflows × 100 steps), each consumed by its own opted-in downstream workflow. */
export async function registerGraph(service: BenchService): Promise<void> {
  for (let w = 0; w < ASSETS / STEPS_PER_UPSTREAM; w++) {
    const steps = Array.from({ length: STEPS_PER_UPSTREAM }, (_, s) => ({
      id: `s${s}`,
      jobSlug: 'bench-external',
      produces: [{ assetId: `bench.up.${w * STEPS_PER_UPSTREAM + s}`, partitioning: { type: 'dynamic' } }],
    }));
    await service.registerWorkflow({ slug: `bench-up-${w}`, name: 'Upstream', steps });
  }
  await service.registerWorkflow({
    slug: 'bench-timers',
    name: 'Timers',
    steps: [
      {
        id: 's',
        jobSlug: 'bench-external',
        produces: [{ assetId: 'bench.timer', partitioning: { type: 'dynamic' }, freshness: { ttlMs: 60_000 } }],
      },
    ],
  });
  await mapLimit(ASSETS + 1, 16, async (i) => {
    const up = i === ASSETS ? 'bench.burst.up' : `bench.up.${i}`;
    if (i === ASSETS)
      await service.registerWorkflow({
        slug: 'bench-burst-up',
        name: 'Burst upstream',
        steps: [{ id: 's', jobSlug: 'bench-external', produces: [{ assetId: up, partitioning: { type: 'dynamic' } }] }],
      });
    await service.registerWorkflow({
      slug: i === ASSETS ? 'bench-burst-down' : `bench-down-${i}`,
      name: 'Downstream',
      steps: [
        {
          id: 'd',
          jobSlug: 'bench-external',
          consumes: [{ assetId: up }],
          produces: [
            { assetId: `${up}.down`, partitioning: { type: 'dynamic' }, autoMaterialize: { onUpstreamUpdate: true } },
          ],
        },
      ],
    });
  });
}

/** Sequential publish round trips: the latency floor of any append. */
export async function rawPublishLatency(natsUrl: string, count = 2000): Promise<Percentiles & { rate: number }> {
  const nc = await connect({ servers: natsUrl });
  const jsm = await jetstreamManager(nc);
  const stream = `BENCH_RAWSEQ_${process.pid}`;
  await jsm.streams.add({ name: stream, subjects: [`bench-rawseq-${process.pid}.>`], storage: StorageType.File });
  const js = jetstream(nc);
  const body = JSON.stringify({ id: 'x'.repeat(36), type: 'asset.produced', data: { payload: { n: 1 } } });
  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await js.publish(`bench-rawseq-${process.pid}.a`, body);
    latencies.push(performance.now() - t0);
  }
  const rate = count / ((performance.now() - started) / 1000);
  await jsm.streams.delete(stream);
  await nc.close();
  return { ...summarize(latencies), rate };
}

/** Offers `rate` productions/s across the 1,000 assets (each a new partition) and measures produced → run requested. */
export async function reactionAtRate(
  service: BenchService,
  nats: BenchNats,
  rate: number,
  seconds: number,
  phase: string,
) {
  const { js } = nats;
  const total = rate * seconds;
  const pending: Array<Promise<{ id: string; seq: number }>> = [];
  const started = Date.now();
  for (let n = 0; n < total; n++) {
    const wait = started + (n * 1000) / rate - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const asset = n % ASSETS;
    pending.push(
      publishProduced(
        js,
        service.prefix,
        `bench.up.${asset}`,
        `bench-up-${Math.floor(asset / STEPS_PER_UPSTREAM)}`,
        `${phase}${n}`,
      ),
    );
  }
  const published = await Promise.all(pending);
  const achievedRate = total / ((Date.now() - started) / 1000);
  return { published, achievedRate, ...(await reactions(service, nats, published)) };
}

/** 100 partitions of one upstream asset published at once: how many downstream runs, and when the last one came. */
export async function burst(service: BenchService, nats: BenchNats, partitions = 100) {
  const { js } = nats;
  const published = await Promise.all(
    Array.from({ length: partitions }, (_, i) =>
      publishProduced(js, service.prefix, 'bench.burst.up', 'bench-burst-up', `b${i}`),
    ),
  );
  const result = await reactions(service, nats, published);
  const producedTimes = published.map((p) => result.times.produced.get(p.id)!);
  const requestedTimes = published
    .map((p) => result.times.requested.get(p.id))
    .filter((t): t is number => t !== undefined);
  return {
    runs: requestedTimes.length,
    publishSpanMs: Math.max(...producedTimes) - Math.min(...producedTimes),
    lastRequestedAfterMs: Math.max(...requestedTimes) - Math.min(...producedTimes),
  };
}

async function reactions(service: BenchService, { js, jsm }: BenchNats, published: Array<{ id: string; seq: number }>) {
  const lastSeq = Math.max(...published.map((p) => p.seq));
  await waitForCheckpoint(service.databaseUrl, 'materializer', lastSeq, 300_000);
  const streamLast = (await jsm.streams.info(service.streams.events)).state.last_seq;
  const times = await readStreamTimes(
    js,
    service.streams.events,
    service.prefix,
    Math.min(...published.map((p) => p.seq)),
    streamLast,
  );
  const latencies = published.flatMap((p) => {
    const requested = times.requested.get(p.id);
    return requested === undefined ? [] : [requested - times.produced.get(p.id)!];
  });
  return { times, latency: summarize(latencies), missing: published.length - latencies.length };
}

/** A stable key like the service's `TimerService.key`. */
export function timerKey(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u001f')).digest('hex').slice(0, 40);
}
