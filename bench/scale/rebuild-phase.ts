import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RebuildReport } from '../../src/rebuild/rebuild.js';
import type { BenchService } from '../support/bench-service.js';
import { peakRssMb } from './catch-up.js';

const CLI = fileURLToPath(new URL('../../src/cli/rebuild-cli.js', import.meta.url));

export interface RebuildFigure {
  seconds: number;
  peakRssMb: number;
  summary: string;
}

/**
 * `npm run rebuild` of every read model as an operator runs it (a separate process, the service serving
 * meanwhile), with `--json`: wall time, the tool's own summary and its peak RSS.
 */
export async function runRebuild(
  service: BenchService,
  natsUrl: string,
  log: (line: string) => void,
): Promise<RebuildFigure> {
  const started = performance.now();
  const nodeArgs = (process.env.BENCH_REBUILD_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, CLI, '--json'], {
    env: {
      ...process.env,
      NATS_URL: natsUrl,
      DATABASE_URL: service.databaseUrl,
      APPHUB_SUBJECT_PREFIX: service.prefix,
      APPHUB_MIGRATE_ON_START: 'false',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, peakRssMb(child.pid!) || 0);
  }, 200);
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(sampler);
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`rebuild exited with ${code}: ${output}`);
  const summary = JSON.parse(output.trim().split('\n').pop()!) as RebuildReport & { peakRssMb: number };
  log(
    `  rebuilt to event ${summary.seq} in ${seconds.toFixed(1)} s (the tool's own rate: ${Math.round(summary.eventsPerSecond)} ev/s)`,
  );
  const rows = summary.counts.map((count) => `${count.table} ${count.rebuilt}`).join(', ');
  return {
    seconds,
    peakRssMb: Math.max(peak, summary.peakRssMb),
    summary: `${summary.swapped ? 'swapped' : 'NOT swapped'}, counts ${summary.exact ? 'verified' : 'informational'}; rows: ${rows}`,
  };
}
