import { Command, InvalidArgumentError } from 'commander';
import { allProjections } from '../../projections/index.js';
import { ConfigError, loadConfigFromProcess } from '../config/load-config.js';
import { openPlatform } from '../runtime/platform.js';
import { rebuildReadModels, type RebuildMode } from '../rebuild/rebuild.js';
import { formatSummary, RebuildProgressBar } from './rebuild-progress.js';

/** Exit codes: 0 done (or equal), 1 failed, 2 usage, 3 the live read models differ, 130 interrupted (resumable). */
const EXIT = { ok: 0, failed: 1, usage: 2, differ: 3, interrupted: 130 } as const;

interface CliOptions {
  swap: boolean;
  dryRun: boolean;
  fromSeq?: number;
  restart: boolean;
  force: boolean;
  json: boolean;
}

/**
 * `npm run rebuild -- [projection…]`: replays the event log into fresh tables (one stream read for all of them)
 * and swaps them in; `--dry-run` compares a fresh replay with the live tables instead (a scheduled consistency
 * check: exit code 3 when they differ). Ctrl-C stops after the batch in flight; running it again resumes.
 */
async function main(): Promise<number> {
  const known = allProjections.map((p) => p.name);
  const program = new Command()
    .name('rebuild')
    .description('Rebuild read models from the event stream; the service may keep running meanwhile.')
    .argument('[projections...]', `read models to rebuild (default: all): ${known.join(', ')}`)
    .option('--dry-run', 'replay into a copy and compare it with the live tables; swap nothing (exit 3 if they differ)')
    .option('--from-seq <seq>', 'with --dry-run: replay and compare from this stream sequence on', positiveInteger)
    .option('--no-swap', 'build the copy (schema rebuild_shadow) but leave it there')
    .option('--restart', 'discard an unfinished rebuild of other read models instead of refusing')
    .option('--force', 'swap even when the verified row counts differ')
    .option('--json', 'print the summary as one JSON line on stdout')
    .parse();
  const options = program.opts<CliOptions>();
  const names = program.args;
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    process.stderr.write(`unknown read model(s): ${unknown.join(', ')}; known: ${known.join(', ')}\n`);
    return EXIT.usage;
  }
  if (options.fromSeq !== undefined && !options.dryRun) {
    process.stderr.write('--from-seq compares a copy with the live tables: use it with --dry-run\n');
    return EXIT.usage;
  }
  const selected = names.length === 0 ? allProjections : allProjections.filter((p) => names.includes(p.name));
  const mode: RebuildMode = options.dryRun ? 'compare' : options.swap ? 'swap' : 'build';
  const platform = await openPlatform(loadConfigFromProcess({}, { LOG_LEVEL: 'warn' }), {
    collectDefaultMetrics: false,
  });
  const interrupt = new AbortController();
  const onSignal = () => {
    if (interrupt.signal.aborted) process.exit(EXIT.interrupted);
    process.stderr.write('\nstopping after the batch in flight (Ctrl-C again to quit at once)…\n');
    interrupt.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const bar = options.json ? null : new RebuildProgressBar();
  try {
    const report = await rebuildReadModels(selected, platform, {
      mode,
      signal: interrupt.signal,
      restart: options.restart ?? false,
      force: options.force ?? false,
      ...(options.fromSeq === undefined ? {} : { fromSeq: options.fromSeq }),
      onProgress: (progress) => bar?.update(progress),
    });
    bar?.stop();
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    process.stdout.write(
      options.json ? `${JSON.stringify({ ...report, peakRssMb })}\n` : `${formatSummary(report, peakRssMb)}\n`,
    );
    if (report.interrupted) return EXIT.interrupted;
    return report.equal === false ? EXIT.differ : EXIT.ok;
  } finally {
    bar?.stop();
    await platform.close();
  }
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 1) throw new InvalidArgumentError('a stream sequence (integer ≥ 1)');
  return number;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(
      error instanceof ConfigError ? `${error.message}\n` : `rebuild failed: ${(error as Error).message ?? error}\n`,
    );
    process.exit(EXIT.failed);
  },
);
