import { Command } from 'commander';
import { ConfigError, loadConfigFromProcess } from '../config/load-config.js';
import { MisconfigurationError } from '../config/misconfiguration.js';
import { listLineageDeadLetters, redeliverLineageDeadLetters } from '../lineage/lineage-dead-letters.js';
import { replayLineage } from '../lineage/lineage-replay.js';
import type { LineageTransport } from '../lineage/lineage-transport.js';
import { lineageTransports } from '../lineage/lineage-transports.js';
import { openPlatform, type Platform } from '../runtime/platform.js';

/** Writes each event as one line of JSON (`--stdout`): what the transports would send, byte for byte. */
const stdoutTransport: LineageTransport = {
  name: 'http',
  deliver: async (events) => {
    for (const event of events) process.stdout.write(`${event.body}\n`);
    return [];
  },
};

async function withPlatform<T>(work: (platform: Platform) => Promise<T>): Promise<T> {
  const platform = await openPlatform(loadConfigFromProcess({}, { LOG_LEVEL: 'warn' }), {
    collectDefaultMetrics: false,
  });
  try {
    return await work(platform);
  } finally {
    await platform.close();
  }
}

const integer = (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`not a stream sequence: ${value}`);
  return parsed;
};

/** `npm run lineage -- replay | dead-letters list | dead-letters replay`: operator tools of the OpenLineage emitter. */
async function main(): Promise<void> {
  const program = new Command().name('lineage').description('OpenLineage emitter tools (configured by OPENLINEAGE_*).');
  program
    .command('replay')
    .description('re-emit the OpenLineage events of a stream range, byte-identical to what the emitter sent')
    .option('--from-seq <seq>', 'first stream sequence whose events are re-emitted', integer, 1)
    .option('--to-seq <seq>', 'last stream sequence (default: the end of the stream)', integer)
    .option('--stdout', 'print the events as JSON lines instead of sending them')
    .action(async (options: { fromSeq: number; toSeq?: number; stdout?: boolean }) => {
      await withPlatform(async (platform) => {
        const { lineage } = platform.config;
        const transports = options.stdout
          ? [stdoutTransport]
          : lineageTransports(lineage, platform.events.lineagePublisher);
        const result = await replayLineage(platform, {
          transports,
          context: { jobNamespace: lineage.jobNamespace, datasetNamespace: lineage.datasetNamespace },
          fromSeq: options.fromSeq,
          ...(options.toSeq ? { toSeq: options.toSeq } : {}),
        });
        process.stderr.write(
          `replayed events ${options.fromSeq}..${result.lastSeq}: ${result.emitted} OpenLineage events sent, ${result.rejected.length} refused\n`,
        );
        if (result.rejected.length > 0) process.exitCode = 1;
      });
    });
  const deadLetters = program.command('dead-letters').description('OpenLineage events the receiver refused (4xx)');
  deadLetters
    .command('list')
    .description('list them')
    .action(async () => {
      await withPlatform(async (platform) => {
        const letters = await listLineageDeadLetters(platform.db);
        if (letters.length === 0) process.stdout.write('no OpenLineage dead letters\n');
        for (const letter of letters) {
          process.stdout.write(
            `${letter.seq}\t${letter.eventType}\t${letter.events.map((event) => event.eventType).join(',')}\t${letter.error}\n`,
          );
        }
      });
    });
  deadLetters
    .command('replay')
    .description('send them again (all, or the given stream sequences); delivered ones are removed')
    .argument('[seqs...]', 'stream sequences')
    .action(async (seqs: string[]) => {
      await withPlatform(async (platform) => {
        const transports = lineageTransports(platform.config.lineage, platform.events.lineagePublisher);
        const requested = seqs.map(integer);
        const result = await redeliverLineageDeadLetters(platform.db, transports, requested);
        const seen = new Set([...result.delivered, ...result.refused].map(Number));
        const notFound = requested.filter((seq) => !seen.has(seq));
        if (seen.size === 0 && requested.length === 0)
          process.stdout.write('no OpenLineage dead letters to redeliver\n');
        else
          process.stdout.write(
            `redelivered: ${result.delivered.join(' ') || '-'}; refused again: ${result.refused.join(' ') || '-'}\n`,
          );
        for (const seq of notFound) process.stderr.write(`no OpenLineage dead letter at seq ${seq}\n`);
        if (result.refused.length > 0 || notFound.length > 0) process.exitCode = 1;
      });
    });
  await program.parseAsync();
}

main().catch((error) => {
  process.stderr.write(
    error instanceof ConfigError || error instanceof MisconfigurationError
      ? `${error.message}\n`
      : `lineage failed: ${(error as Error).stack ?? error}\n`,
  );
  process.exit(1);
});
