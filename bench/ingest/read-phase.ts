import type { BenchService } from '../support/bench-service.js';
import { delta, histogramPercentile, scrape } from '../support/service-metrics.js';
import { readYourWrites } from './read-your-writes.js';

/** The p99 target of write → readable (with a `?minSeq` read per event) at each offered rate (issue 15). */
function targetAt(rate: number): number {
  return rate <= 50 ? 25 : rate <= 400 ? 100 : 250;
}

/**
 * Where an event waits between its stream timestamp and the 200 that shows it, from the services' histograms
 * (`apphub_read_path_seconds{stage}`, every process summed): the projector's stages are measured from each event's
 * stream timestamp; `woken` is commit → waiter woken (the notification's trip, in the reading process).
 */
const STAGES: Array<[string, string]> = [
  ['delivered', 'stream → delivered to the projector'],
  ['batch_started', 'stream → its batch started'],
  ['committed', 'stream → its batch committed'],
  ['woken', 'commit → waiting read woken'],
];

/** One read-your-writes phase at `rate` for `seconds`, as printed rows (end to end, then the stage breakdown). */
export async function readPhase(
  service: BenchService,
  natsUrl: string,
  urls: string[],
  rate: number,
  seconds: number,
): Promise<Array<[string, string, string?]>> {
  process.stdout.write(`read: preparing ${rate * seconds} runs for ${seconds} s at ${rate}/s…\n`);
  const runs = await service.prepareRuns('ingest', rate * seconds, (i) => `w${rate}-${i % 1000}`);
  const before = await Promise.all(urls.map(scrape));
  const result = await readYourWrites(service, natsUrl, runs, rate);
  const after = await Promise.all(urls.map(scrape));
  const pairs = before.map((samples, i): [typeof samples, typeof samples] => [samples, after[i]!]);
  const retries = [...result.retries].map(([status, count]) => `${status || 'reset'}: ${count}`).join(', ');
  const rows: Array<[string, string, string?]> = [
    [
      `write → readable via ?minSeq p50 / p99 @ ${rate}/s`,
      `${result.readable.p50.toFixed(0)} / ${result.readable.p99.toFixed(0)} ms`,
      `target p99 ≤ ${targetAt(rate)} ms; achieved ${Math.round(result.achievedRate)}/s, ${result.readable.count} read, ${result.unreadable} unreadable after 60 s${retries ? `, reads retried ${retries}` : ''}${result.shedCompletions ? `, completions shed and retried ${result.shedCompletions}` : ''}${result.failedCompletions ? `, completions failed ${result.failedCompletions} (${[...result.failureCauses].map(([why, n]) => `${why}: ${n}`).join(', ')})` : ''}`,
    ],
  ];
  if (result.slow.count > 0)
    rows.push([
      '  reads over 1 s (sent → answered)',
      `${result.slow.count}, ${result.slow.newConnection} on a new connection`,
      `sent ${result.slow.firstAt.toFixed(1)}-${result.slow.lastAt.toFixed(1)} s into the phase, longest ${result.slow.maxMs} ms`,
    ]);
  rows.push([
    '  stream → completion answered (client) p50 / p99',
    `${result.completed.p50.toFixed(1)} / ${result.completed.p99.toFixed(1)} ms`,
  ]);
  rows.push([
    '  stream → read sent (client) p50 / p99',
    `${result.sent.p50.toFixed(1)} / ${result.sent.p99.toFixed(1)} ms`,
  ]);
  for (const [stage, label] of STAGES) {
    const p50 = histogramPercentile(pairs, 'apphub_read_path_seconds', `stage="${stage}"`, 50);
    const p99 = histogramPercentile(pairs, 'apphub_read_path_seconds', `stage="${stage}"`, 99);
    if (Number.isNaN(p50)) continue;
    rows.push([`  ${label} p50 / p99`, `${p50.toFixed(1)} / ${p99.toFixed(1)} ms`]);
  }
  // The read in the API process, request received → response written (its wait included; coarse buckets).
  const route = 'route="/workflows/:slug/assets/:assetId/history",status="200"';
  const p50 = histogramPercentile(pairs, 'apphub_http_request_duration_seconds', route, 50);
  const p99 = histogramPercentile(pairs, 'apphub_http_request_duration_seconds', route, 99);
  if (!Number.isNaN(p50))
    rows.push(['  history read in the service (wait included) p50 / p99', `${p50.toFixed(1)} / ${p99.toFixed(1)} ms`]);
  // CPU time each process spent per completion (with its read): unlike latencies, it hardly moves with the load
  // other programs put on the machine, so it compares changes between runs on a busy machine.
  const perEvent = pairs.map(([b, a]) => (1000 * delta(b, a, 'process_cpu_seconds_total')) / runs.length);
  rows.push([
    '  CPU per completion + read, by process',
    perEvent.map((ms, i) => `${urls.length > 1 ? `#${i + 1} ` : ''}${ms.toFixed(2)} ms`).join(', '),
    `total ${perEvent.reduce((sum, ms) => sum + ms, 0).toFixed(2)} ms`,
  ]);
  return rows;
}
