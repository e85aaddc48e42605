import { randomBytes } from 'node:crypto';
import { natsContextOf, openNatsContext, type NatsContext } from '../../src/events/nats-context.js';
import type { EventPorts } from '../../src/events/event-ports.js';
import { TEST_NATS_URL } from './test-env.js';

/** A subject prefix of its own per test file, so files never see each other's streams. */
export function testPrefix(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

/** The NATS connection behind an app's event ports, for tests that inspect streams and buckets directly. */
export function natsBehind(events: EventPorts): NatsContext {
  return natsContextOf(events);
}

/** Opens NATS for a prefix; `dispose` deletes its streams and buckets. */
export async function openTestNats(
  prefix = testPrefix(),
  leaseTtlMs = 3000,
): Promise<NatsContext & { dispose(): Promise<void> }> {
  const nats = await openNatsContext({ natsUrl: TEST_NATS_URL, subjectPrefix: prefix, streamReplicas: 1, leaseTtlMs });
  return {
    ...nats,
    dispose: async () => {
      const s = nats.subjects;
      for (const name of [
        s.streams.events,
        s.streams.timers,
        s.streams.jobs,
        `KV_${s.buckets.leases}`,
        `KV_${s.buckets.runs}`,
      ]) {
        await nats.jsm.streams.delete(name).catch(() => undefined);
      }
      await nats.close();
    },
  };
}
