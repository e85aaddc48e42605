import { CompiledQuery, sql, type Kysely } from 'kysely';
import { createDatabase } from '../../src/db/database-factory.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import type { Database } from '../database.js';
import { checkSummariesByProducedIds } from './check-summaries.queries.js';

// Plans, not timings: 100k check results on a table that was never analyzed (autovacuum off). A page's lookup
// must probe the index; a table scan would read every result of every asset.

const ROWS = 100_000;

let t: TestDatabase;
let traced: Kysely<Database>;
let sent: CompiledQuery[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  traced = createDatabase({
    connectionString: t.url,
    maxConnections: 1,
    onQuery: (event) => {
      if (!/^(commit|rollback)/i.test(event.query.sql)) sent.push(event.query);
    },
  });
  // Two checks per materialization p<i>; the newest result of "fresh" on p7 is a failure evaluated later.
  await sql`
    insert into asset_check (event_id, seq, workflow_slug, asset_id, partition_key, produced_event_id, workflow_run_id,
      check_name, severity, blocking, passed, source, metadata, violations, produced_at)
    select 'c' || i, i, 'wf', 'a', null, 'p' || (i / 2), 'r', case when i % 2 = 0 then 'rows' else 'fresh' end,
      'error', i % 2 = 0, true, 'job', null, '[]', now()
    from generate_series(1, ${ROWS}) as i`.execute(t.db);
  await sql`
    insert into asset_check (event_id, seq, workflow_slug, asset_id, partition_key, produced_event_id, workflow_run_id,
      check_name, severity, blocking, passed, source, metadata, violations, produced_at)
    values ('late', ${ROWS + 1}, 'wf', 'a', null, 'p7', 'r', 'fresh', 'warn', false, false, 'service', null, '[]', now())`.execute(
    t.db,
  );
}, 120_000);

afterAll(async () => {
  await traced.destroy();
  await t.drop();
});

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Shared Hit Blocks': number;
  'Shared Read Blocks': number;
  Plans?: PlanNode[];
}

describe('check results of a page of materializations', () => {
  it('has no statistics to lean on', async () => {
    const rows = await sql<{ reltuples: number }>`
      select reltuples::float8 as reltuples from pg_class where relname = 'asset_check'`.execute(t.db);
    expect(rows.rows.map((row) => row.reltuples)).toEqual([-1]);
  });

  it('answers the newest result per check, in first-evaluated order, and an empty list for none', async () => {
    const summaries = await checkSummariesByProducedIds(traced, ['p7', 'p8', 'none']);
    expect(summaries.get('p7')).toEqual([
      { name: 'rows', passed: true, severity: 'error', blocking: true },
      { name: 'fresh', passed: false, severity: 'warn', blocking: false },
    ]);
    expect(summaries.get('p8')!.map(({ name }) => name)).toEqual(['rows', 'fresh']);
    expect(summaries.get('none')).toEqual([]);
    expect((await checkSummariesByProducedIds(traced, [])).size).toBe(0);
  });

  it('reads a page of 100 ids in one query on the produced-event index, without a table scan', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `p${i * 400 + 3}`);
    sent = [];
    await checkSummariesByProducedIds(traced, ids);
    const [begin, query, ...rest] = sent;
    expect(rest).toEqual([]);
    expect(query!.sql).toMatch(/produced_event_id = any\(\$1::text\[\]\)/);
    const plan = await t.db.transaction().execute(async (tx) => {
      for (const setting of begin!.sql.split(';').filter((s) => /set local/i.test(s)))
        await sql.raw(setting).execute(tx);
      return tx.executeQuery<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
        CompiledQuery.raw(`explain (analyze, buffers, format json) ${query!.sql}`, [...query!.parameters]),
      );
    });
    const root = plan.rows[0]!['QUERY PLAN'][0]!.Plan;
    const nodes: PlanNode[] = [];
    const walk = (node: PlanNode) => {
      nodes.push(node);
      (node.Plans ?? []).forEach(walk);
    };
    walk(root);
    expect(nodes.map((node) => node['Node Type'])).not.toContain('Seq Scan');
    expect(nodes.map((node) => node['Index Name'])).toContain('asset_check_produced_idx');
    expect(root['Shared Hit Blocks'] + root['Shared Read Blocks']).toBeLessThan(1000);
  });
});
