import { sql, type Transaction } from 'kysely';
import { ConsumerRunner, type BatchHandler, type RunnerOptions } from './consumer-runner.js';
import { toEnvelope, type StoredEvent } from './envelope.js';
import { DependencyUnavailableError } from './transient-error.js';
import type { Database } from '../../projections/database.js';
import { createTestPlatform, type TestPlatform } from '../../test/support/test-platform.js';
import { eventually } from '../../test/support/waiting.js';

const probeSchema = {
  type: 'test.probe.recorded',
  schemaVersion: 1,
  data: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } },
};

/** A deliberately non-idempotent projection: one row per applied event, so any double apply shows. */
function probeHandler(
  name: string,
  hooks: {
    beforeCommit?: (events: readonly StoredEvent[]) => void;
    afterCommit?: (events: readonly StoredEvent[]) => void;
  } = {},
): BatchHandler {
  return {
    name,
    async handle(events, tx: Transaction<Database>) {
      for (const event of events) {
        const n = (event.data as { n: number }).n;
        if (n < 0) throw new Error(`poison event ${n}`);
        await sql`insert into runner_probe (consumer, seq, n) values (${name}, ${event.seq}, ${n})`.execute(tx);
      }
      hooks.beforeCommit?.(events);
    },
    ...(hooks.afterCommit ? { afterCommit: hooks.afterCommit } : {}),
  };
}

describe('ConsumerRunner', () => {
  let p: TestPlatform;
  const runners: ConsumerRunner[] = [];
  const options = (instanceId = 'test-instance'): RunnerOptions => ({
    nats: p.nats,
    store: p.store,
    db: p.database.db,
    log: p.log,
    leaseTtlMs: 1500,
    instanceId,
    batchSize: 50,
  });
  const start = (handler: BatchHandler, instanceId?: string) => {
    const runner = new ConsumerRunner(handler, options(instanceId));
    runners.push(runner);
    runner.start();
    return runner;
  };
  const publish = async (values: number[]) => {
    const envelopes = values.map((n) =>
      toEnvelope(
        { type: 'test.probe.recorded', data: { n } },
        { correlationId: 'c', causationId: null, actor: 'test' },
        new Date().toISOString(),
      ),
    );
    let last = 0;
    for (const envelope of envelopes)
      last = (await p.store.append(`${p.nats.subjects.prefix}.probe.x`, [envelope])).lastSeq;
    return last;
  };
  const rows = async (consumer: string) =>
    (
      await sql<{
        seq: number;
        n: number;
      }>`select seq, n from runner_probe where consumer = ${consumer} order by seq`.execute(p.database.db)
    ).rows;

  beforeAll(async () => {
    p = await createTestPlatform({ extraSchemas: [probeSchema], leaseTtlMs: 1500 });
    await sql`create table runner_probe (consumer text not null, seq bigint not null, n integer not null)`.execute(
      p.database.db,
    );
  });
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((runner) => runner.stop()));
  });
  afterAll(async () => {
    await p.dispose();
  });

  it('applies every event once, in order, and stores the checkpoint with the rows', async () => {
    const last = await publish(Array.from({ length: 120 }, (_, i) => i));
    const runner = start(probeHandler('ordered'));
    expect(await runner.waitFor(last, 10_000)).toBe(true);
    const applied = await rows('ordered');
    expect(applied.map((row) => row.n)).toEqual(Array.from({ length: 120 }, (_, i) => i));
    const checkpoint = await p.database.db
      .selectFrom('projection_checkpoint')
      .select('last_seq')
      .where('name', '=', 'ordered')
      .executeTakeFirstOrThrow();
    expect(checkpoint.last_seq).toBe(last);
  });

  it('rolls back a batch that crashes before COMMIT and re-applies it exactly once', async () => {
    const last = await publish([1, 2, 3, 4, 5]);
    let crashes = 1;
    const runner = start(
      probeHandler('crash-before', {
        beforeCommit: () => {
          if (crashes-- > 0) throw Object.assign(new Error('Connection terminated unexpectedly'), { code: '08006' });
        },
      }),
    );
    expect(await runner.waitFor(last, 15_000)).toBe(true);
    const applied = await rows('crash-before');
    expect(new Set(applied.map((row) => row.seq)).size).toBe(applied.length);
    expect(applied.at(-1)?.seq).toBe(last);
  });

  it('resumes after a crash right after COMMIT without applying anything twice', async () => {
    const last = await publish([10, 11, 12]);
    const first = start(probeHandler('crash-after', { afterCommit: () => void first.stop() }));
    await eventually(
      () => rows('crash-after'),
      (applied) => applied.length > 0,
    );
    await first.stop();
    const more = await publish([13, 14]);
    const second = start(probeHandler('crash-after'));
    expect(await second.waitFor(more, 10_000)).toBe(true);
    const applied = await rows('crash-after');
    expect(new Set(applied.map((row) => row.seq)).size).toBe(applied.length);
    expect(applied.map((row) => row.seq)).toContain(last);
    expect(applied.at(-1)?.seq).toBe(more);
  });

  it('stays failing, with its phase, while every batch fails, and is working again once a batch goes through', async () => {
    const last = await publish([20, 21]);
    let failures = 3;
    const runner = start(
      probeHandler('keeps-failing', {
        beforeCommit: () => {
          // What the drills saw: a read the batch needs never reaching its end, every time.
          if (failures-- > 0) throw new DependencyUnavailableError('nats', 'an ordered read ended before sequence 9');
        },
      }),
    );
    // Each failed batch is followed by a new subscription; that alone must not clear the failure: one streak of
    // failures has one start.
    const starts = new Set<number>();
    const sampling = setInterval(() => {
      const since = runner.status().failingSince;
      if (since !== null) starts.add(since);
    }, 2);
    try {
      expect(await runner.waitFor(last, 15_000)).toBe(true);
    } finally {
      clearInterval(sampling);
    }
    expect(starts.size).toBe(1);
    await eventually(
      () => Promise.resolve(runner.status()),
      (status) => status.failingSince === null && status.phase === 'waiting for events',
    );
  });

  it('lets only the lease holder apply, and fails over when it stops', async () => {
    const last = await publish([2020, 2021, 2022]);
    const a = start(probeHandler('leased'), 'instance-a');
    const b = start(probeHandler('leased'), 'instance-b');
    await eventually(
      async () => Math.max(a.lastSeq, b.lastSeq),
      (seq) => seq >= last,
    );
    const [holder, standby] = a.lastSeq >= last ? [a, b] : [b, a];
    expect(standby.lastSeq).toBe(0);
    await holder.stop();
    const more = await publish([2023]);
    expect(await standby.waitFor(more, 10_000)).toBe(true);
    const applied = await rows('leased');
    expect(new Set(applied.map((row) => row.seq)).size).toBe(applied.length);
    expect(applied.map((row) => row.n).filter((n) => n >= 2020)).toEqual([2020, 2021, 2022, 2023]);
  });

  it('moves a poison event and an invalid message to the dead-letter table and keeps going', async () => {
    await publish([3030]);
    await publish([-1]);
    await p.nats.js.publish(`${p.nats.subjects.prefix}.probe.raw`, '{"not":"an envelope"}');
    const last = await publish([3031]);
    const runner = start(probeHandler('poison'));
    expect(await runner.waitFor(last, 10_000)).toBe(true);
    expect((await rows('poison')).map((row) => row.n).filter((n) => n >= 3030)).toEqual([3030, 3031]);
    const dead = await p.database.db
      .selectFrom('projection_dead_letter')
      .select(['event_type', 'error'])
      .where('projection', '=', 'poison')
      .execute();
    expect(dead).toHaveLength(2);
    expect(dead.map((row) => row.error).join(' ')).toMatch(/poison event -1/);
  });

  it('reports a runner that lost its lease mid-batch as a healthy standby, and its late batch changes nothing', async () => {
    const last = await publish([4040, 4041, 4042]);
    let standby: ConsumerRunner | undefined;
    let held = true;
    const stalling: BatchHandler = {
      name: 'handover',
      async handle(events, tx) {
        for (const event of events)
          await sql`insert into runner_probe (consumer, seq, n) values ('handover', ${event.seq}, -7)`.execute(tx);
        if (!held) return;
        held = false;
        // Mid-batch, the lease goes to another instance (as after a freeze longer than the TTL), which applies the
        // same events and moves the checkpoint before this batch commits.
        await p.nats.leases.delete(a.leaseKey);
        standby = start(probeHandler('handover'), 'instance-new');
        await eventually(
          async () => ({ aLeads: a.isLeader, newAt: standby!.lastSeq }),
          (state) => !state.aLeads && state.newAt >= last,
          15_000,
        );
      },
    };
    const a = start(stalling, 'instance-old');
    await eventually(
      async () => ({ aLeads: a.isLeader, newAt: standby?.lastSeq ?? 0 }),
      (state) => !state.aLeads && state.newAt >= last,
      20_000,
    );
    // The old runner's batch is refused right after the hand-over; from then on it must read as a healthy standby.
    const samples: Array<{ leader: boolean; failingSince: number | null }> = [];
    while (samples.length < 60) {
      samples.push(a.status());
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(samples.filter((status) => status.leader || status.failingSince !== null)).toEqual([]);
    const applied = await rows('handover');
    expect(applied.map((row) => row.n).filter((n) => n >= 4040)).toEqual([4040, 4041, 4042]);
    expect(applied.filter((row) => row.n === -7)).toEqual([]);
    expect(standby!.status()).toMatchObject({ leader: true, failingSince: null });
    const stored = await p.database.db
      .selectFrom('projection_checkpoint')
      .select(['last_seq', 'lease_owner'])
      .where('name', '=', 'handover')
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ last_seq: standby!.lastSeq, lease_owner: 'instance-new' });
  });
});
