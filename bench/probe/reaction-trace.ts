/**
 * Diagnostic (not a benchmark of record): where the slowest reactions of `bench:materializer` spend their time.
 * Runs the reaction phase, then reads the stream and prints, for the slowest reactions, when the materializer's
 * decision event (caused by the production) and the run request were stored.
 */
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { BenchService } from '../support/bench-service.js';
import { startCompanionProcess } from '../support/companion-process.js';
import { reactionAtRate, registerGraph } from '../materializer/bench-phases.js';
import { waitForCheckpoint } from '../materializer/bench-events.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function main() {
  const service = await BenchService.start({
    natsUrl: NATS_URL,
    adminUrl: ADMIN_URL,
    name: 'trace',
    env: { APPHUB_ROLES: process.env.BENCH_ROLES ?? 'api,projector,worker' },
  });
  const companion = process.env.BENCH_ROLES ? null : await startCompanionProcess(service, NATS_URL, 'materializer');
  const nc = await connect({ servers: NATS_URL });
  const nats = { js: jetstream(nc), jsm: await jetstreamManager(nc) };
  try {
    await registerGraph(service);
    const registered = (await nats.jsm.streams.info(service.streams.events)).state.last_seq;
    await waitForCheckpoint(service.databaseUrl, 'materializer', registered, 120_000);
    const result = await reactionAtRate(service, nats, Number(process.env.BENCH_RATE ?? 200), 20, 'rate');
    const first = Math.min(...result.published.map((p) => p.seq));
    const last = (await nats.jsm.streams.info(service.streams.events)).state.last_seq;
    const consumer = await nats.js.consumers.get(service.streams.events, {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: first,
    });
    const caused = new Map<string, Array<{ type: string; at: number; seq: number }>>();
    const produced = new Map<string, { at: number; seq: number }>();
    const messages = await consumer.consume({ max_messages: 5000 });
    for await (const message of messages) {
      const at = message.info.timestampNanos / 1e6;
      const event = message.json<{ id: string; type: string; metadata: { causationId?: string } }>();
      if (event.type === 'asset.produced') produced.set(event.id, { at, seq: message.seq });
      const cause = event.metadata?.causationId;
      if (cause) caused.set(cause, [...(caused.get(cause) ?? []), { type: event.type, at, seq: message.seq }]);
      if (message.seq >= last) break;
    }
    messages.stop();
    const rows = [...result.times.produced.entries()]
      .filter(([id]) => result.times.requested.has(id))
      .map(([id, at]) => ({ id, latency: result.times.requested.get(id)! - at }))
      .sort((a, b) => b.latency - a.latency)
      .slice(0, Number(process.env.TRACE_ROWS ?? 15));
    for (const row of rows) {
      const origin = produced.get(row.id)!;
      const effects = (caused.get(row.id) ?? [])
        .map((e) => `${e.type}@+${(e.at - origin.at).toFixed(1)}ms(seq ${e.seq})`)
        .join(', ');
      process.stdout.write(`${row.latency.toFixed(1)} ms  produced seq ${origin.seq}: ${effects}\n`);
    }
  } finally {
    await nc.close();
    await companion?.stop();
    await service.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
