import { sql, type Kysely } from 'kysely';
import { createDatabase } from '../src/db/database-factory.js';
import { createTestDatabase, type TestDatabase } from '../test/support/test-database.js';
import type { Database } from './database.js';
import { PAGE_READ_SESSION_OPTIONS, readByIndex, readInIndexOrder, readPagesThrough } from './index-order.js';

let t: TestDatabase;
/** One connection: what a read leaves behind is what the next one finds. */
let db: Kysely<Database>;
let sent: string[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  db = createDatabase({ connectionString: t.url, maxConnections: 1, onQuery: (event) => sent.push(event.query.sql) });
});

afterAll(async () => {
  await db.destroy();
  await t.drop();
});

const enableSort = async (on: Kysely<Database>) =>
  (await sql<{ enable_sort: string }>`show enable_sort`.execute(on)).rows[0]!.enable_sort;
const enableSeqscan = async (on: Kysely<Database>) =>
  (await sql<{ enable_seqscan: string }>`show enable_seqscan`.execute(on)).rows[0]!.enable_seqscan;

/**
 * `use` on a plain database that has a page-read pool: what it answers, what the pool was sent, what the plain
 * database was sent, and `setting` on the plain database afterwards.
 */
async function throughPageReader(
  use: (plain: Kysely<Database>) => Promise<string>,
  setting: (on: Kysely<Database>) => Promise<string>,
) {
  const plainSent: string[] = [];
  const readerSent: string[] = [];
  const plain = createDatabase({
    connectionString: t.url,
    maxConnections: 1,
    onQuery: (e) => plainSent.push(e.query.sql),
  });
  const reader = createDatabase({
    connectionString: t.url,
    maxConnections: 1,
    sessionOptions: PAGE_READ_SESSION_OPTIONS,
    onQuery: (event) => readerSent.push(event.query.sql),
  });
  try {
    readPagesThrough(plain, reader);
    const answer = await use(plain);
    return { answer, readerSent, plainSent: [...plainSent], after: await setting(plain) };
  } finally {
    await reader.destroy();
    await plain.destroy();
  }
}

describe('readInIndexOrder', () => {
  it('reads with sorts priced out, in a transaction of three round trips, and leaves the connection as it found it', async () => {
    sent = [];
    // `set local` outside a transaction has no effect: `off` here means the read ran in one.
    expect(await readInIndexOrder(db, enableSort)).toBe('off');
    expect(sent).toEqual(['begin; set local enable_sort = off', 'show enable_sort', 'commit']);
    expect(await enableSort(db)).toBe('on');
  });

  it('rolls back when the read fails and leaves the connection usable', async () => {
    const failed = await readInIndexOrder(db, async (tx) => {
      await sql`select 1 / 0`.execute(tx);
    }).then(
      () => null,
      (error: { code?: string }) => error.code,
    );
    expect(failed).toBe('22012');
    expect(await enableSort(db)).toBe('on');
    expect((await sql<{ one: number }>`select 1 as one`.execute(db)).rows).toEqual([{ one: 1 }]);
  });

  it('reads through a page-read pool in ONE round trip when the database has one, sorts priced out there only', async () => {
    const read = await throughPageReader((plain) => readInIndexOrder(plain, enableSort), enableSort);
    expect(read).toEqual({ answer: 'off', readerSent: ['show enable_sort'], plainSent: [], after: 'on' });
  });
});

describe('readByIndex', () => {
  it('reads with sequential scans priced out, in a transaction of three round trips, without a page-read pool', async () => {
    sent = [];
    expect(await readByIndex(db, enableSeqscan)).toBe('off');
    expect(sent).toEqual(['begin; set local enable_seqscan = off', 'show enable_seqscan', 'commit']);
    expect(await enableSeqscan(db)).toBe('on');
  });

  it('reads through the page-read pool in ONE round trip, sequential scans priced out there only', async () => {
    const read = await throughPageReader((plain) => readByIndex(plain, enableSeqscan), enableSeqscan);
    expect(read).toEqual({ answer: 'off', readerSent: ['show enable_seqscan'], plainSent: [], after: 'on' });
  });
});
