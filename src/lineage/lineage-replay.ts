import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../projections/database.js';
import type { EventStore } from '../events/event-store.js';
import { forgetConsumer } from '../events/consumer-store/index.js';
import type { EventPorts } from '../events/event-ports.js';
import { LineageProjection } from './lineage.consumer.js';
import type { LineageContext } from './lineage.mapper.js';
import type { LineageTransport, RejectedLineageEvent } from './lineage-transport.js';
import type { EmittedLineageEvent } from './openlineage.types.js';

export interface ReplayDeps {
  db: Kysely<Database>;
  /** `consumers` runs the replay's own consumer (no lease, a throwaway checkpoint). */
  events: Pick<EventPorts, 'consumers'>;
  store: EventStore;
  log: Logger;
}

export interface ReplayOptions {
  transports: readonly LineageTransport[];
  context: LineageContext;
  /** First stream sequence whose OpenLineage events are re-emitted (earlier events only rebuild the state). */
  fromSeq?: number;
  /** Last one (default: the stream's last sequence when the replay starts). */
  toSeq?: number;
}

export interface ReplayResult {
  emitted: number;
  rejected: RejectedLineageEvent[];
  lastSeq: number;
}

/**
 * Re-emits the OpenLineage events of `[fromSeq, toSeq]` exactly as the live emitter sent them: the stream is read
 * from its first event (the mapping's state at `fromSeq` needs everything before it) by a consumer of its own
 * (no lease, a throwaway checkpoint, nothing written to the emitter's tables), and only events caused in the range
 * are delivered. The live emitter is not touched; receivers see byte-identical duplicates.
 */
export async function replayLineage(deps: ReplayDeps, options: ReplayOptions): Promise<ReplayResult> {
  const toSeq = options.toSeq ?? (await deps.store.lastSequence());
  const name = `lineage_replay_${randomBytes(4).toString('hex')}`;
  const rejected: RejectedLineageEvent[] = [];
  let emitted = 0;
  const counted: LineageTransport[] = options.transports.map((transport) => ({
    name: transport.name,
    deliver: async (events: readonly EmittedLineageEvent[], signal?: AbortSignal) => {
      const refused = await transport.deliver(events, signal);
      emitted += events.length - refused.length;
      return refused;
    },
  }));
  const consumer = new LineageProjection({
    name,
    transports: counted,
    context: options.context,
    log: deps.log,
    replay: { fromSeq: options.fromSeq ?? 1, toSeq, onRejected: (item) => rejected.push(item) },
  });
  const runner = deps.events.consumers.runner(consumer, {
    db: deps.db,
    log: deps.log,
    leaseTtlMs: 10_000,
    instanceId: name,
    withoutLease: true,
    batchSize: 1000,
  });
  try {
    if (toSeq > 0) {
      runner.start();
      while (!(await runner.waitFor(toSeq, 5000))) deps.log.info({ seq: runner.lastSeq, toSeq }, 'replaying lineage');
    }
  } finally {
    consumer.stop();
    await runner.stop();
    await forgetConsumer(deps.db, name);
  }
  return { emitted, rejected, lastSeq: toSeq };
}
