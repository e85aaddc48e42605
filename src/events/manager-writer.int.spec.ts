import { sql, type Kysely } from 'kysely';
import type { Database } from '../../projections/database.js';
import { createDatabase } from '../db/database-factory.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { CheckpointMovedError, LeaseFencedError, loadCheckpoint, saveCheckpoint } from './consumer-store/index.js';
import { ManagerWriter } from './manager-writer.js';
import type { ManagerWrite, ProcessManager } from './stream-consumer.js';

/** A manager whose write-back is one upsert, given as a statement (`statements`) and as a transaction step. */
function probeManager(name: string, value: () => number): ProcessManager {
  let dirty = true;
  const upsert = () =>
    sql`insert into writer_probe (name, value) values (${name}, ${value()})
      on conflict (name) do update set value = excluded.value returning 1`;
  return {
    name,
    kind: 'process-manager',
    get dirty() {
      return dirty;
    },
    hydrate: async () => undefined,
    process: async () => [],
    takeChanges(): ManagerWrite | null {
      if (!dirty) return null;
      dirty = false;
      const statement = upsert();
      return Object.assign(async (tx: Kysely<Database>) => void (await statement.execute(tx)), {
        statements: [statement],
      });
    },
  };
}

describe('ManagerWriter with a write-back given as statements', () => {
  let database: TestDatabase;
  let db: Kysely<Database>;
  let sent: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    await sql`create table writer_probe (name text primary key, value int not null)`.execute(database.db);
    db = createDatabase({ connectionString: database.url, onQuery: (event) => sent.push(event.query.sql) });
  });
  afterAll(async () => {
    await db.destroy();
    await database.drop();
  });

  const valueOf = async (name: string) =>
    (await sql<{ value: number }>`select value from writer_probe where name = ${name}`.execute(database.db)).rows[0]
      ?.value;

  async function write(name: string, fence: { owner: string; revision: number } | null, position = 5) {
    let failed = false;
    const writer = new ManagerWriter(
      probeManager(name, () => position * 10),
      {
        db,
        everyMs: 0,
        timed: (work) => work(),
        onFailure: () => (failed = true),
        fence: () => fence,
      },
    );
    await writer.reset(await loadCheckpoint(db, name));
    sent = [];
    writer.start(position, true);
    await writer.settled();
    const error = failed
      ? await Promise.resolve()
          .then(() => writer.throwFailure())
          .catch((e: unknown) => e)
      : null;
    return { error, persisted: writer.persisted };
  }

  it('writes the rows and moves the checkpoint in ONE statement', async () => {
    const { error, persisted } = await write('one-statement', { owner: 'a', revision: 3 });
    expect(error).toBeNull();
    expect(persisted).toBe(5);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/^\s*with "write_0" as \(insert into writer_probe/);
    expect(await valueOf('one-statement')).toBe(50);
    expect(await loadCheckpoint(db, 'one-statement')).toBe(5);
  });

  it('writes nothing when a newer lease already wrote (LeaseFencedError)', async () => {
    await loadCheckpoint(db, 'fenced');
    await saveCheckpoint(db, 'fenced', 0, 0, [], false, { owner: 'new', revision: 9 });
    const { error, persisted } = await write('fenced', { owner: 'old', revision: 3 });
    expect(error).toBeInstanceOf(LeaseFencedError);
    expect(persisted).toBe(0);
    expect(await valueOf('fenced')).toBeUndefined();
    expect(await loadCheckpoint(db, 'fenced')).toBe(0);
  });

  it('writes nothing when another writer moved the checkpoint (CheckpointMovedError)', async () => {
    expect((await write('moved', null)).persisted).toBe(5);
    await saveCheckpoint(db, 'moved', 5, 7);
    let failed = false;
    const stale = new ManagerWriter(
      probeManager('moved', () => 99),
      {
        db,
        everyMs: 0,
        timed: (work) => work(),
        onFailure: () => (failed = true),
      },
    );
    await stale.reset(5);
    stale.start(9, true);
    await stale.settled();
    expect(failed).toBe(true);
    expect(() => stale.throwFailure()).toThrow(CheckpointMovedError);
    expect(await valueOf('moved')).toBe(50);
    expect(await loadCheckpoint(db, 'moved')).toBe(7);
  });
});
