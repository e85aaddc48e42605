import { Command } from 'commander';
import { requireFresh } from '../assets/freshness-gate/require-fresh.js';
import { ConfigError, loadConfigFromProcess } from '../config/load-config.js';
import { openPlatform } from '../runtime/platform.js';

/**
 * `npm run assets -- require-fresh <assetId[@partitionKey]>…`: exits 0 when every asset is fresh, 1 otherwise with
 * the reason of each (the same verdict as `GET /assets/:assetId/freshness?require=fresh`), so a release pipeline
 * can block on it.
 */
async function main(): Promise<void> {
  const program = new Command().name('assets').description('Asset tools.');
  program
    .command('require-fresh')
    .description('exit non-zero unless every asset (or assetId@partitionKey) is fresh')
    .argument('<assets...>', 'asset ids, optionally with @partitionKey')
    .action(async (targets: string[]) => {
      const platform = await openPlatform(
        loadConfigFromProcess({ APPHUB_MIGRATE_ON_START: 'false' }, { LOG_LEVEL: 'warn' }),
        { collectDefaultMetrics: false },
      );
      try {
        const result = await requireFresh(platform.db, targets, new Date());
        for (const line of result.lines) process.stdout.write(`${line}\n`);
        if (!result.ok) process.exitCode = 1;
      } finally {
        await platform.close();
      }
    });
  await program.parseAsync();
}

main().catch((error) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : ((error as Error).stack ?? String(error))}\n`);
  process.exit(2);
});
