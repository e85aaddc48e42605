import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfigFromProcess } from '../config/load-config.js';
import { listDeadLetters, replayDeadLetters } from '../operations/dead-letters.js';
import { openPlatform, type Platform } from '../runtime/platform.js';

const sequence = (value: string) => {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 1) throw new InvalidArgumentError(`not a stream sequence: ${value}`);
  return parsed;
};

async function withPlatform<T>(work: (platform: Platform) => Promise<T>): Promise<T> {
  const platform = await openPlatform(
    loadConfigFromProcess({ APPHUB_MIGRATE_ON_START: 'false' }, { LOG_LEVEL: 'warn' }),
    {
      collectDefaultMetrics: false,
    },
  );
  try {
    return await work(platform);
  } finally {
    await platform.close();
  }
}

/**
 * `npm run dead-letters -- list [consumer] | replay <consumer> [seq…]`: events the stream consumers could not apply
 * on their own (kept with the error in `projection_dead_letter`), and applying them again after a fix.
 */
async function main(): Promise<void> {
  const program = new Command().name('dead-letters').description('Dead letters of the stream consumers.');
  program
    .command('list')
    .argument('[consumer]', 'only this consumer (read_models, a read model, run_executor, materializer, lineage)')
    .option('--limit <n>', 'at most this many (default 100)', sequence, 100)
    .action(async (consumer: string | undefined, options: { limit: number }) => {
      await withPlatform(async ({ db }) => {
        const page = await listDeadLetters(db, { limit: options.limit, ...(consumer ? { consumer } : {}) });
        if (page.deadLetters.length === 0) process.stdout.write('no dead letters\n');
        for (const letter of page.deadLetters)
          process.stdout.write(
            `${letter.consumer}\tseq ${letter.seq}\t${letter.eventType ?? '(not an event)'}\t${letter.createdAt}\t${letter.error}\n`,
          );
        if (page.nextAfter !== null) process.stdout.write(`… more (raise --limit)\n`);
      });
    });
  program
    .command('replay')
    .argument('<consumer>', 'a read model, or read_models for the live group of all of them')
    .argument(
      '[seqs...]',
      'stream sequences to replay (default: all of this consumer)',
      (value, all: number[] = []) => [...all, sequence(value)],
    )
    .action(async (consumer: string, seqs: number[] | undefined) => {
      await withPlatform(async ({ db, store }) => {
        const result = await replayDeadLetters(db, store, consumer, seqs ?? []);
        process.stdout.write(`replayed ${result.replayed.length}: ${result.replayed.join(', ') || '-'}\n`);
        for (const failing of result.stillFailing)
          process.stdout.write(`still failing: seq ${failing.seq}: ${failing.error}\n`);
        if (result.stillFailing.length > 0) process.exitCode = 1;
      });
    });
  await program.parseAsync();
}

main().catch((error) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : ((error as Error).stack ?? String(error))}\n`);
  process.exit(1);
});
