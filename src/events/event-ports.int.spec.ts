import type { BatchHandler } from './consumer-runner.js';
import { eventPortsFor } from './event-ports.js';
import { EventStore } from './event-store.js';
import { createTestPlatform, type TestPlatform } from '../../test/support/test-platform.js';
import { openTestNats } from '../../test/support/test-nats.js';
import { eventually } from '../../test/support/waiting.js';

const idle: BatchHandler = { name: 'ports_probe', handle: async () => undefined };

describe('the event ports (real NATS and Postgres)', () => {
  let p: TestPlatform;

  beforeAll(async () => {
    p = await createTestPlatform({ leaseTtlMs: 1500 });
  });
  afterAll(async () => {
    await p.dispose();
  });

  it('readiness answers ok while the events stream answers', async () => {
    expect(await p.events.readiness.check()).toEqual({ ok: true });
  });

  it('lease status names the process holding a runner’s lease, and nobody before it starts or after it stops', async () => {
    expect(await p.events.leases.holderOf(idle.name)).toBeNull();
    const runner = p.events.consumers.runner(idle, {
      db: p.database.db,
      log: p.log,
      leaseTtlMs: 1500,
      instanceId: 'holder-1',
    });
    runner.start();
    try {
      await eventually(
        () => p.events.leases.holderOf(idle.name),
        (holder) => holder === 'holder-1',
      );
    } finally {
      await runner.stop();
    }
    await eventually(
      () => p.events.leases.holderOf(idle.name),
      (holder) => holder === null,
    );
  });

  it('readiness reports a closed connection as not ready instead of throwing', async () => {
    const nats = await openTestNats(p.nats.subjects.prefix, 1500);
    const ports = eventPortsFor(nats, new EventStore(nats, p.store.registry));
    await ports.close();
    expect(await ports.readiness.check()).toEqual({ ok: false, detail: 'not connected' });
  });
});
