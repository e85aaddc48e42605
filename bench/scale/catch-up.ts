import { readFileSync } from 'node:fs';
import pg from 'pg';

/** The stream consumers whose catch-up the benchmark follows (checkpoint names). */
export const FOLLOWED_CONSUMERS = ['read_models', 'run_executor', 'materializer'] as const;

export interface CatchUpFigure {
  consumer: string;
  /** Seconds from the service's start until the checkpoint reached the head; null = not within the timeout. */
  seconds: number | null;
  /** Where the checkpoint was at the end. */
  position: number;
}

/**
 * Polls the checkpoints until every followed consumer reached `head` or `timeoutMs` passed, printing progress,
 * and keeps the peak RSS of `pid` (VmHWM). `read_models` is waited for; the others are reported as far as they got.
 */
export async function followCatchUp(options: {
  databaseUrl: string;
  head: number;
  startedAt: number;
  timeoutMs: number;
  pid: number;
  /** The service's roles: consumers of roles it does not run are not followed. */
  roles: readonly string[];
  log: (line: string) => void;
}): Promise<{ figures: CatchUpFigure[]; peakRssMb: number }> {
  const followed = FOLLOWED_CONSUMERS.filter((name) =>
    options.roles.includes(name === 'materializer' ? 'materializer' : 'projector'),
  );
  const db = new pg.Client({ connectionString: options.databaseUrl });
  await db.connect();
  const reached = new Map<string, number>();
  let positions = new Map<string, number>();
  let lastLog = 0;
  try {
    for (;;) {
      const { rows } = await db.query<{ name: string; last_seq: string }>(
        'select name, last_seq from projection_checkpoint where name = any($1)',
        [followed],
      );
      positions = new Map(rows.map((row) => [row.name, Number(row.last_seq)]));
      const elapsed = performance.now() - options.startedAt;
      for (const [name, position] of positions) {
        if (position >= options.head && !reached.has(name)) {
          reached.set(name, elapsed / 1000);
          options.log(
            `  ${name} reached the head (${options.head}) after ${(elapsed / 1000).toFixed(1)} s = ${Math.round(options.head / (elapsed / 1000))} ev/s`,
          );
        }
      }
      if (reached.size === followed.length || elapsed > options.timeoutMs) break;
      if (elapsed - lastLog > 5000) {
        lastLog = elapsed;
        options.log(
          `  ${(elapsed / 1000).toFixed(0)} s: ${followed.map((name) => `${name} ${positions.get(name) ?? 0}`).join(', ')}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await db.end();
  }
  return {
    figures: followed.map((consumer) => ({
      consumer,
      seconds: reached.get(consumer) ?? null,
      position: positions.get(consumer) ?? 0,
    })),
    peakRssMb: peakRssMb(options.pid),
  };
}

/** Peak resident set size of a live process in MiB (Linux VmHWM), NaN when unknown. */
export function peakRssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmHWM:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}
