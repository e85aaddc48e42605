import { sql } from 'kysely';
import {
  checkpointRefusal,
  checkpointStatement,
  forgetImpossibleFence,
  LeaseFencedError,
  saveCheckpoint,
} from './consumer-store/index.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';

describe('checkpoint fencing by lease revision', () => {
  let database: TestDatabase;
  const checkpoint = async (name: string) =>
    database.db
      .selectFrom('projection_checkpoint')
      .select(['last_seq', 'lease_owner', 'lease_revision'])
      .where('name', '=', name)
      .executeTakeFirstOrThrow();
  const probes = async (name: string) =>
    (await sql<{ seq: number }>`select seq from fence_probe where consumer = ${name}`.execute(database.db)).rows;
  const insertProbe = (name: string, seq: number) =>
    sql`insert into fence_probe (consumer, seq) values (${name}, ${seq})`;

  beforeAll(async () => {
    database = await createTestDatabase();
    await sql`create table fence_probe (consumer text not null, seq bigint not null)`.execute(database.db);
  });
  afterAll(async () => {
    await database.drop();
  });

  async function newLeaderWrote(name: string): Promise<void> {
    await database.db.insertInto('projection_checkpoint').values({ name, last_seq: 0 }).execute();
    await database.db.transaction().execute(async (tx) => {
      await insertProbe(name, 10).execute(tx);
      await saveCheckpoint(tx, name, 0, 10, [], false, { owner: 'new', revision: 7 });
    });
  }

  it('refuses the batch of a leader that resumed after a newer lease wrote, and changes nothing', async () => {
    await newLeaderWrote('resumed');
    // The old leader (revision 5) resumes with its batch from where it left the checkpoint…
    const stale = database.db.transaction().execute(async (tx) => {
      await insertProbe('resumed', 8).execute(tx);
      await saveCheckpoint(tx, 'resumed', 0, 8, [], false, { owner: 'old', revision: 5 });
    });
    await expect(stale).rejects.toBeInstanceOf(LeaseFencedError);
    // …and even from the new position: the revision alone refuses it.
    const late = database.db.transaction().execute(async (tx) => {
      await insertProbe('resumed', 12).execute(tx);
      await saveCheckpoint(tx, 'resumed', 10, 12, [], false, { owner: 'old', revision: 5 });
    });
    await expect(late).rejects.toBeInstanceOf(LeaseFencedError);
    expect(await checkpoint('resumed')).toEqual({ last_seq: 10, lease_owner: 'new', lease_revision: 7 });
    expect((await probes('resumed')).map((row) => row.seq)).toEqual([10]);
  });

  it('refuses a one-statement batch under an older lease with AH410, rows included', async () => {
    await newLeaderWrote('at-once');
    const move = { name: 'at-once', previous: 10, lastSeq: 11, fence: { owner: 'old', revision: 6 } };
    const failure = await checkpointStatement(move, { writes: [insertProbe('at-once', 11)], raise: true })
      .execute(database.db)
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(checkpointRefusal(failure, 'at-once')).toBeInstanceOf(LeaseFencedError);
    expect(await checkpoint('at-once')).toEqual({ last_seq: 10, lease_owner: 'new', lease_revision: 7 });
    expect((await probes('at-once')).map((row) => row.seq)).toEqual([10]);
  });

  it('lets the holder of the newer lease, its renewals and writers without a lease move on', async () => {
    await newLeaderWrote('renewed');
    await saveCheckpoint(database.db, 'renewed', 10, 11, [], false, { owner: 'new', revision: 9 });
    await saveCheckpoint(database.db, 'renewed', 11, 12);
    expect(await checkpoint('renewed')).toEqual({ last_seq: 12, lease_owner: 'new', lease_revision: 9 });
  });

  it('forgets a stored revision the leases bucket never issued (bucket created again)', async () => {
    await newLeaderWrote('recreated');
    expect(await forgetImpossibleFence(database.db, 'recreated', 100)).toBe(false);
    expect(await forgetImpossibleFence(database.db, 'recreated', 3)).toBe(true);
    await saveCheckpoint(database.db, 'recreated', 10, 11, [], false, { owner: 'next', revision: 2 });
    expect(await checkpoint('recreated')).toEqual({ last_seq: 11, lease_owner: 'next', lease_revision: 2 });
  });
});
