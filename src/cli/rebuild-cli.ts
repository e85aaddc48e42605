import { Command } from 'commander';
import { allProjections } from '../../projections/index.js';
import { ConfigError, loadConfigFromProcess } from '../config/load-config.js';
import { openPlatform } from '../runtime/platform.js';
import { rebuildProjection } from '../rebuild/rebuild.js';

/** `npm run rebuild -- [projection…]`: replays the event log into fresh tables and swaps them in. */
async function main(): Promise<void> {
  const program = new Command()
    .name('rebuild')
    .description('Rebuild read models from the event stream; the service may keep running meanwhile.')
    .argument(
      '[projections...]',
      `projections to rebuild (default: all): ${allProjections.map((p) => p.name).join(', ')}`,
    )
    .option('--no-swap', 'build the shadow tables (schema rebuild_<name>) but do not swap them in')
    .parse();
  const names = program.args;
  const unknown = names.filter((name) => !allProjections.some((p) => p.name === name));
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown projection(s): ${unknown.join(', ')}; known: ${allProjections.map((p) => p.name).join(', ')}\n`,
    );
    process.exit(2);
  }
  const selected = names.length === 0 ? allProjections : allProjections.filter((p) => names.includes(p.name));
  const platform = await openPlatform(loadConfigFromProcess({}, { LOG_LEVEL: 'warn' }), {
    collectDefaultMetrics: false,
  });
  try {
    for (const projection of selected) {
      const started = Date.now();
      let lastPrinted = 0;
      const result = await rebuildProjection(
        projection,
        {
          ...platform,
          onProgress: (name, seq, target) => {
            if (Date.now() - lastPrinted < 1000) return;
            lastPrinted = Date.now();
            process.stdout.write(`  ${name}: ${seq}/${target}\n`);
          },
        },
        { swap: program.opts<{ swap: boolean }>().swap },
      );
      process.stdout.write(
        `${result.projection}: replayed to event ${result.seq} in ${Date.now() - started} ms; rows ${JSON.stringify(result.rows)}\n`,
      );
    }
  } finally {
    await platform.close();
  }
}

main().catch((error) => {
  process.stderr.write(
    error instanceof ConfigError ? `${error.message}\n` : `rebuild failed: ${(error as Error).stack ?? error}\n`,
  );
  process.exit(1);
});
