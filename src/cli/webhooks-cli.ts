import { Command } from 'commander';
import { ConfigError, loadConfigFromProcess } from '../config/load-config.js';
import { openPlatform } from '../runtime/platform.js';
import { replayDeadDeliveries } from '../webhooks/webhooks.store.js';

/**
 * `npm run webhooks -- replay <webhookId> [deliveryId…]`: dead deliveries (all of the webhook, or these) go back to
 * pending with their attempts reset; a running dispatcher sends them, in stream order per asset.
 */
async function main(): Promise<void> {
  const program = new Command().name('webhooks').description('Webhook delivery tools.');
  program
    .command('replay')
    .argument('<webhookId>', 'the webhook')
    .argument('[deliveryIds...]', 'only these deliveries (the webhook-id of each); default: every dead one')
    .action(async (webhookId: string, deliveryIds: string[] | undefined) => {
      const platform = await openPlatform(
        loadConfigFromProcess({ APPHUB_MIGRATE_ON_START: 'false' }, { LOG_LEVEL: 'warn' }),
        { collectDefaultMetrics: false },
      );
      try {
        const replayed = await replayDeadDeliveries(platform.db, webhookId, deliveryIds ?? []);
        process.stdout.write(`replayed ${replayed.length}: ${replayed.join(', ') || '-'}\n`);
      } finally {
        await platform.close();
      }
    });
  await program.parseAsync();
}

main().catch((error) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : ((error as Error).stack ?? String(error))}\n`);
  process.exit(1);
});
