import { sql, type Kysely } from 'kysely';
import { createDatabase } from '../../src/db/database-factory.js';
import { anAssetProduced } from '../../test/support/builders/asset-events.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import type { Database } from '../database.js';
import { PAGE_READ_SESSION_OPTIONS, readPagesThrough } from '../index-order.js';
import { listHistory } from './asset-history.queries.js';
import { assetHistoryProjection } from './asset-history.projection.js';
import { historyPagesStatement, readHistoryPages } from './history-pages.queries.js';

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
});

const at = (minute: number) => new Date(Date.UTC(2025, 0, 1, 0, minute)).toISOString();

/** `count` materializations of `assetId` by `slug`, one a minute, partitions `p0`/`p1` alternating when `partitioned`. */
async function produce(slug: string, assetId: string, count: number, options: { partitioned?: boolean; seq0: number }) {
  const events = Array.from({ length: count }, (_, n) =>
    anAssetProduced({
      workflowSlug: slug,
      assetId,
      seq: options.seq0 + n,
      producedAt: at(n),
      partitionKey: options.partitioned ? `p${n % 2}` : null,
      payload: { n },
    }),
  );
  await t.db.transaction().execute((tx) => assetHistoryProjection.projectBatch!(events, tx));
  return events;
}

async function storeCheck(producedEventId: string, seq: number, name: string, passed: boolean) {
  await sql`insert into asset_check (event_id, seq, workflow_slug, asset_id, produced_event_id, workflow_run_id, check_name,
      severity, blocking, passed, source, violations, produced_at)
    values (${`check-${seq}`}, ${seq}, 'wf', 'a', ${producedEventId}, 'run', ${name}, 'error', ${!passed}, ${passed},
      'declared', '[]'::jsonb, now())`.execute(t.db);
}

async function storeRun(id: string, status: string) {
  await sql`insert into workflow_run (id, workflow_slug, workflow_definition_id, status, trigger_type, created_at, state,
      requested_seq, last_seq) values (${id}, 'wf', 'def', ${status}, 'manual', now(), '{}'::jsonb, 1, 1)`.execute(
    t.db,
  );
}

describe('readHistoryPages', () => {
  it('answers each filter with the page listHistory answers, in order, from ONE statement', async () => {
    await produce('wf-pages', 'plain', 7, { seq0: 100 });
    await produce('wf-pages', 'parted', 9, { partitioned: true, seq0: 200 });
    const filters = [
      { slug: 'wf-pages', assetId: 'plain', limit: 3 },
      { slug: 'wf-pages', assetId: 'parted', partitionKey: 'p1', limit: 10 },
      { slug: 'wf-pages', assetId: 'parted', limit: 4, before: { producedAt: at(6), seq: 206 } },
      { slug: 'wf-pages', assetId: 'parted', partitionKey: 'p0', limit: 2, before: { producedAt: at(4), seq: 204 } },
      { slug: 'wf-pages', assetId: 'unknown', limit: 5 },
      { slug: 'wf-pages', assetId: 'plain', limit: 3 },
    ];
    const sent: string[] = [];
    const db = createDatabase({ connectionString: t.url, maxConnections: 1, onQuery: (e) => sent.push(e.query.sql) });
    try {
      const pages = await readHistoryPages(db, filters);
      const selects = sent.filter((statement) => /^\s*select/i.test(statement));
      expect(selects).toHaveLength(1);
      const expected = await Promise.all(filters.map((filter) => listHistory(t.db, filter)));
      expect(pages.map((page) => page.map(({ checks, ...rest }) => (expect(checks).toEqual([]), rest)))).toEqual(
        expected,
      );
      expect(pages.map((page) => page.map((entry) => entry.eventSeq))).toEqual([
        [106, 105, 104],
        [207, 205, 203, 201],
        [205, 204, 203, 202],
        [202, 200],
        [],
        [106, 105, 104],
      ]);
    } finally {
      await db.destroy();
    }
  });

  it("shows each entry's run status and the newest result of each check, in the order the checks first ran", async () => {
    const [first, second] = await produce('wf-checks', 'a', 2, { seq0: 300 });
    await storeRun(first!.data.workflowRunId, 'succeeded');
    await storeCheck(second!.id, 1, 'rows', false);
    await storeCheck(second!.id, 2, 'schema', true);
    await storeCheck(second!.id, 3, 'rows', true);
    const [page] = await readHistoryPages(t.db, [{ slug: 'wf-checks', assetId: 'a', limit: 5 }]);
    expect(page!.map((entry) => [entry.eventSeq, entry.runStatus, entry.checks])).toEqual([
      [
        301,
        null,
        [
          { name: 'rows', passed: true, severity: 'error', blocking: false },
          { name: 'schema', passed: true, severity: 'error', blocking: false },
        ],
      ],
      [300, 'succeeded', []],
    ]);
  });

  it('reads through the page-read pool in one round trip, walking the indexes without statistics', async () => {
    await produce('wf-big', 'big', 3000, { partitioned: true, seq0: 10_000 });
    const reader = createDatabase({
      connectionString: t.url,
      maxConnections: 1,
      sessionOptions: PAGE_READ_SESSION_OPTIONS,
    });
    const plain = createDatabase({ connectionString: t.url, maxConnections: 1 });
    const readerSent: string[] = [];
    const spy = createDatabase({
      connectionString: t.url,
      maxConnections: 1,
      sessionOptions: PAGE_READ_SESSION_OPTIONS,
      onQuery: (e) => readerSent.push(e.query.sql),
    });
    try {
      readPagesThrough(plain, spy);
      const [all, one] = await readHistoryPages(plain, [
        { slug: 'wf-big', assetId: 'big', limit: 2 },
        { slug: 'wf-big', assetId: 'big', partitionKey: 'p1', limit: 2 },
      ]);
      expect(readerSent).toHaveLength(1);
      expect(all!.map((entry) => entry.eventSeq)).toEqual([12_999, 12_998]);
      expect(one!.map((entry) => entry.eventSeq)).toEqual([12_999, 12_997]);
      // The plan reads a page's rows, not the asset's 3,000: each branch stops at its limit.
      const plan = await explain(reader);
      expect(plan).toMatch(/Index Scan using asset_materialization_wf_asset_idx/);
      expect(plan).toMatch(/Index Scan using asset_materialization_wf_asset_pk_idx/);
      expect(plan).not.toMatch(/Seq Scan|Sort/);
    } finally {
      await Promise.all([reader.destroy(), plain.destroy(), spy.destroy()]);
    }
  });
});

/** The plan of a two-page read (every partition; one partition), as the page-read pool runs it. */
async function explain(db: Kysely<Database>): Promise<string> {
  const statement = historyPagesStatement([
    { slug: 'wf-big', assetId: 'big', limit: 2 },
    { slug: 'wf-big', assetId: 'big', partitionKey: 'p1', limit: 2, before: { producedAt: at(40), seq: 10_040 } },
  ]);
  const rows = await sql<{ 'QUERY PLAN': string }>`explain ${statement}`.execute(db);
  return rows.rows.map((row) => row['QUERY PLAN']).join('\n');
}
