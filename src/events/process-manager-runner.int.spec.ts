import { sql, type Kysely } from 'kysely';
import type { Database } from '../../projections/database.js';
import { createTestPlatform, type TestPlatform } from '../../test/support/test-platform.js';
import { eventually } from '../../test/support/waiting.js';
import { ConsumerRunner, type ProcessManager, type RunnerOptions } from './consumer-runner.js';
import { toEnvelope, type StoredEvent } from './envelope.js';

const probeSchema = {
  type: 'test.manager.probe',
  schemaVersion: 1,
  data: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } },
};

/** Stands for a dependency outage while a batch's effects are carried out (classified transient by its errno). */
const outage = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

/**
 * A deliberately non-idempotent process manager: its state is the list of every value it decided on, kept in
 * memory and written back as a whole (like the executor's runs). A value decided twice shows in the list twice.
 * `failOn` makes `process` fail (after changing memory, as a real manager's fold does) while the outage lasts.
 */
class ListManager implements ProcessManager {
  readonly kind = 'process-manager' as const;
  protected list: number[] = [];
  private changed = false;
  outageFor: number | null = null;
  /** A value this manager cannot decide on (a bug, not an outage): it fails every time. */
  poison: number | null = null;

  constructor(readonly name: string) {}

  get dirty(): boolean {
    return this.changed;
  }

  async hydrate(db: Kysely<Database>): Promise<void> {
    const row = await sql<{ list: number[] }>`select list from manager_probe where name = ${this.name}`.execute(db);
    this.list = row.rows[0]?.list ?? [];
    this.changed = false;
  }

  async process(events: readonly StoredEvent[]) {
    for (const event of events) {
      if (!event.subject.endsWith(`.${this.name}`)) continue;
      const n = (event.data as { n: number }).n;
      if (n === this.poison) throw new TypeError(`cannot decide ${n}`);
      this.list.push(n);
      this.changed = true;
      if (n === this.outageFor) throw outage();
    }
    return [];
  }

  takeChanges() {
    if (!this.changed) return null;
    const list = [...this.list];
    this.changed = false;
    return async (tx: Kysely<Database>) => {
      await sql`insert into manager_probe (name, list) values (${this.name}, ${JSON.stringify(list)}::jsonb)
        on conflict (name) do update set list = excluded.list`.execute(tx);
    };
  }
}

describe('ConsumerRunner with a process manager', () => {
  let p: TestPlatform;
  const options = (): RunnerOptions => ({
    nats: p.nats,
    store: p.store,
    db: p.database.db,
    log: p.log,
    leaseTtlMs: 1500,
    instanceId: 'manager-test',
    batchSize: 50,
  });
  const publish = async (name: string, values: number[]) => {
    let last = 0;
    for (const n of values) {
      const envelope = toEnvelope(
        { type: 'test.manager.probe', data: { n } },
        { correlationId: 'c', causationId: null, actor: 'test' },
        new Date().toISOString(),
      );
      last = (await p.store.append(`${p.nats.subjects.prefix}.probe.${name}`, [envelope])).lastSeq;
    }
    return last;
  };
  const stored = async (name: string) =>
    (await sql<{ list: number[] }>`select list from manager_probe where name = ${name}`.execute(p.database.db)).rows[0]
      ?.list ?? [];
  const checkpoint = async (name: string) =>
    (
      await p.database.db
        .selectFrom('projection_checkpoint')
        .select('last_seq')
        .where('name', '=', name)
        .executeTakeFirst()
    )?.last_seq ?? 0;

  beforeAll(async () => {
    p = await createTestPlatform({ extraSchemas: [probeSchema], leaseTtlMs: 1500 });
    await sql`create table manager_probe (name text primary key, list jsonb not null)`.execute(p.database.db);
  });
  afterAll(async () => {
    await p.dispose();
  });

  it('writes state and checkpoint together, lazily, and hydrates the same state after a restart', async () => {
    const manager = new ListManager('lazy');
    const first = new ConsumerRunner(manager, options());
    first.start();
    const last = await publish('lazy', [1, 2, 3]);
    expect(await first.waitFor(last, 10_000)).toBe(true);
    await eventually(
      () => checkpoint('lazy'),
      (seq) => seq === last,
    );
    expect(await stored('lazy')).toEqual([1, 2, 3]);
    await first.stop();
    const more = await publish('lazy', [4]);
    const second = new ConsumerRunner(new ListManager('lazy'), options());
    second.start();
    expect(await second.waitFor(more, 10_000)).toBe(true);
    await second.stop();
    expect(await stored('lazy')).toEqual([1, 2, 3, 4]);
    expect(await checkpoint('lazy')).toBe(more);
  });

  it('hydrates the state committed with the checkpoint it resumes from, while an earlier leader’s last write commits', async () => {
    const name = 'raced';
    const first = new ConsumerRunner(new ListManager(name), options());
    first.start();
    const before = await publish(name, [40, 41]);
    await eventually(
      () => checkpoint(name),
      (seq) => seq === before,
    );
    await first.stop();
    const last = await publish(name, [42]);
    /** The earlier leader's write of 42 (state and checkpoint) commits between the checkpoint read and the state read. */
    class RacedManager extends ListManager {
      private raced = false;
      /** Every state memory held after a batch: a value folded twice would show here, even if never written. */
      readonly seen: number[][] = [];
      override async hydrate(snapshot: Kysely<Database>): Promise<void> {
        if (!this.raced) {
          this.raced = true;
          await p.database.db.transaction().execute(async (tx) => {
            await sql`update manager_probe set list = '[40, 41, 42]'::jsonb where name = ${name}`.execute(tx);
            await tx.updateTable('projection_checkpoint').set({ last_seq: last }).where('name', '=', name).execute();
          });
        }
        await super.hydrate(snapshot);
      }
      override async process(events: readonly StoredEvent[]) {
        const poison = await super.process(events);
        this.seen.push([...this.list]);
        return poison;
      }
    }
    const manager = new RacedManager(name);
    const runner = new ConsumerRunner(manager, options());
    runner.start();
    expect(await runner.waitFor(last, 10_000)).toBe(true);
    await runner.stop();
    expect(manager.seen).toContainEqual([40, 41, 42]);
    expect(manager.seen.filter((list) => new Set(list).size !== list.length)).toEqual([]);
    expect(await stored(name)).toEqual([40, 41, 42]);
  });

  it('never writes what a failed batch changed in memory, also when it is stopped while retrying', async () => {
    const manager = new ListManager('stopped-while-failing');
    const runner = new ConsumerRunner(manager, options());
    runner.start();
    const before = await publish('stopped-while-failing', [10, 11]);
    await eventually(
      () => checkpoint('stopped-while-failing'),
      (seq) => seq === before,
    );
    manager.outageFor = 12;
    const failing = await publish('stopped-while-failing', [12]);
    await eventually(
      async () => runner.status().failingSince,
      (since) => since !== null,
    );
    // Shutdown during the outage: what is written must be the state at the checkpoint, not the half-done batch.
    await runner.stop();
    expect(await checkpoint('stopped-while-failing')).toBe(before);
    expect(await stored('stopped-while-failing')).toEqual([10, 11]);

    const restarted = new ConsumerRunner(new ListManager('stopped-while-failing'), options());
    restarted.start();
    expect(await restarted.waitFor(failing, 10_000)).toBe(true);
    await restarted.stop();
    expect(await stored('stopped-while-failing')).toEqual([10, 11, 12]);
  });

  it('retries a failed batch from the hydrated state, deciding each event once', async () => {
    const manager = new ListManager('retried');
    const runner = new ConsumerRunner(manager, options());
    manager.outageFor = 21;
    runner.start();
    const last = await publish('retried', [20, 21, 22]);
    await eventually(
      async () => runner.status().failingSince,
      (since) => since !== null,
    );
    manager.outageFor = null;
    expect(await runner.waitFor(last, 10_000)).toBe(true);
    await runner.stop();
    expect(await stored('retried')).toEqual([20, 21, 22]);
  });

  it('skips and dead-letters an event it cannot decide on its own, and goes on with the rest', async () => {
    const manager = new ListManager('poisoned');
    manager.poison = 31;
    const runner = new ConsumerRunner(manager, options());
    runner.start();
    const last = await publish('poisoned', [30, 31, 32, 33]);
    expect(await runner.waitFor(last, 15_000)).toBe(true);
    await eventually(
      () => checkpoint('poisoned'),
      (seq) => seq === last,
    );
    await runner.stop();
    expect(await stored('poisoned')).toEqual([30, 32, 33]);
    const dead = await p.database.db
      .selectFrom('projection_dead_letter')
      .select(['seq', 'error', 'event_type'])
      .where('projection', '=', 'poisoned')
      .execute();
    expect(dead).toEqual([{ seq: last - 2, error: 'cannot decide 31', event_type: 'test.manager.probe' }]);
  });
});
