/** Diagnostic (not a benchmark of record): completion latency alone and under concurrency. */
import { BenchService } from '../support/bench-service.js';
import { percentile } from '../support/raw-limits.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function main() {
  const service = await BenchService.start({
    natsUrl: NATS_URL,
    adminUrl: ADMIN_URL,
    name: 'probe',
    ...(process.env.PROBE_ROLES ? { env: { APPHUB_ROLES: process.env.PROBE_ROLES } } : {}),
  });
  try {
    await service.registerWorkflow({
      slug: 'p',
      name: 'P',
      steps: [
        { id: 'load', jobSlug: 'bench-external', produces: [{ assetId: 'p.out', partitioning: { type: 'dynamic' } }] },
      ],
    });
    const ids = await service.prepareRuns('p', 3000, (i) => `k-${i % 500}`);
    const body = (i: number) => ({
      status: 'succeeded',
      result: { assets: [{ assetId: 'p.out', payload: { n: i } }] },
    });
    for (const path of ['/health/live', '/workflows', `/workflow-runs/${ids[2999]}`]) {
      const lat: number[] = [];
      for (let i = 0; i < 200; i++) {
        const t = performance.now();
        await service.request('GET', path);
        lat.push(performance.now() - t);
      }
      console.log(`GET ${path} p50/p99 ms`, percentile(lat, 50).toFixed(2), percentile(lat, 99).toFixed(2));
    }
    const serial: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      await service.complete(ids[i]!, body(i));
      serial.push(performance.now() - t);
    }
    console.log('serial p50/p99 ms', percentile(serial, 50).toFixed(2), percentile(serial, 99).toFixed(2));
    for (const concurrency of [8, 64]) {
      const lat: number[] = [];
      let next = concurrency === 8 ? 200 : 1200;
      const end = next + 1000;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < end) {
            const i = next++;
            const t = performance.now();
            await service.complete(ids[i]!, body(i));
            lat.push(performance.now() - t);
          }
        }),
      );
      const secs = (performance.now() - started) / 1000;
      console.log(
        `c=${concurrency}: ${(1000 / secs).toFixed(0)}/s p50/p99 ms`,
        percentile(lat, 50).toFixed(2),
        percentile(lat, 99).toFixed(2),
      );
    }
  } finally {
    await service.stop();
  }
}
void main();
