import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfigFromProcess } from '../config/load-config.js';
import { MisconfigurationError } from '../config/misconfiguration.js';
import { DomainError } from '../domain/domain-error.js';
import { userInfo } from 'node:os';
import { discardDeadLetters } from '../operations/dead-letter-discard.js';
import { listDeadLetters, replayDeadLetters } from '../operations/dead-letters.js';
import { openPlatform, type Platform } from '../runtime/platform.js';

const sequence = (value: string) => {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 1) throw new InvalidArgumentError(`not a stream sequence: ${value}`);
  return parsed;
};

const collectSequences = (value: string, all: number[] = []) => [...all, sequence(value)];

function reportNotFound(consumer: string, seqs: readonly number[]): void {
  for (const seq of seqs) process.stderr.write(`no dead letter of ${consumer} at seq ${seq}\n`);
}

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
 * `npm run dead-letters -- list [consumer] | replay <consumer> [seq…] | discard <consumer> [seq…] --reason …`: events
 * the stream consumers could not apply on their own (kept with the error in `projection_dead_letter`), applying them
 * again after a fix (read models), or discarding them with who and why (any consumer). Exit 1 when a requested
 * sequence has no dead letter or a replay still fails.
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
        if (page.deadLetters.length === 0)
          process.stdout.write(`no dead letters${consumer ? ` of ${consumer}` : ''}\n`);
        for (const letter of page.deadLetters)
          process.stdout.write(
            `${letter.consumer}\tseq ${letter.seq}\t${letter.eventType ?? '(not an event)'}\t${letter.createdAt}\t${letter.error}\n`,
          );
        if (page.nextAfter !== null) process.stdout.write(`… more (raise --limit)\n`);
      });
    });
  program
    .command('replay')
    .description('apply dead letters of a read model again (after a fix); removed when they apply')
    .argument('<consumer>', 'a read model, or read_models for the live group of all of them')
    .argument('[seqs...]', 'stream sequences to replay (default: all of this consumer)', collectSequences)
    .action(async (consumer: string, seqs: number[] | undefined) => {
      await withPlatform(async ({ db, store }) => {
        const result = await replayDeadLetters(db, store, consumer, seqs ?? []);
        if (result.replayed.length + result.stillFailing.length === 0 && result.notFound.length === 0)
          process.stdout.write(`no dead letters of ${consumer} to replay\n`);
        else process.stdout.write(`replayed ${result.replayed.length}: ${result.replayed.join(', ') || '-'}\n`);
        for (const failing of result.stillFailing)
          process.stdout.write(`still failing: seq ${failing.seq}: ${failing.error}\n`);
        reportNotFound(consumer, result.notFound);
        if (result.stillFailing.length > 0 || result.notFound.length > 0) process.exitCode = 1;
      });
    });
  program
    .command('discard')
    .description('discard dead letters of any consumer (recorded in dead_letter_discard with who and why)')
    .argument('<consumer>', 'read_models, a read model, run_executor, materializer, backfill_manager, lineage…')
    .argument('[seqs...]', 'stream sequences to discard (default: all of this consumer)', collectSequences)
    .requiredOption('--reason <text>', 'why (recorded)')
    .option('--by <name>', 'who (recorded; default: the OS user)', userInfo().username)
    .action(async (consumer: string, seqs: number[] | undefined, options: { reason: string; by: string }) => {
      await withPlatform(async ({ db }) => {
        const result = await discardDeadLetters(db, consumer, seqs ?? [], options);
        process.stdout.write(
          result.discarded.length === 0 && result.notFound.length === 0
            ? `no dead letters of ${consumer} to discard\n`
            : `discarded ${result.discarded.length}: ${result.discarded.join(', ') || '-'}\n`,
        );
        reportNotFound(consumer, result.notFound);
        if (result.notFound.length > 0) process.exitCode = 1;
      });
    });
  await program.parseAsync();
}

main().catch((error) => {
  // Config problems and an operator's mistakes (a consumer that cannot replay, a discard without a reason): one line.
  const known = error instanceof ConfigError || error instanceof DomainError || error instanceof MisconfigurationError;
  process.stderr.write(`${known ? (error as Error).message : ((error as Error).stack ?? String(error))}\n`);
  process.exit(1);
});
