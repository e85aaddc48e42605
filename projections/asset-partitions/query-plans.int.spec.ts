import { CompiledQuery, sql, type Kysely } from 'kysely';
import { createDatabase } from '../../src/db/database-factory.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import {
  latestOfWorkflowAssets,
  listHistory,
  materializationsByEventIds,
} from '../asset-history/asset-history.queries.js';
import type { Database } from '../database.js';
import {
  flaggedPartitionsPerAsset,
  latestPartitionsOfAsset,
  newestPartitionsPerAsset,
} from './asset-catalog.queries.js';
import { existingPartitionKeys, listPartitionsAfter } from './asset-partitions.queries.js';
import { loadPartitions } from './partition-store.js';

// Plans, not timings: at 100k partitions (and 100k history rows) on tables that were never analyzed — as on a
// database with autovacuum off — each read touches a few dozen pages, not the table. A query that walked every
// partition of the asset (or scanned a table) would read thousands.

const PARTITIONS = 100_000;
const slug = 'wf-big';
const assetId = 'big.dynamic';
const key = (i: number) => `p-${String(i).padStart(7, '0')}`;

let t: TestDatabase;
let traced: Kysely<Database>;
let sent: CompiledQuery[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  traced = createDatabase({
    connectionString: t.url,
    maxConnections: 2,
    onQuery: (event) => {
      // A page read opens its transaction and sets its settings in one simple query: `begin; set local …`.
      if (/^begin/i.test(event.query.sql))
        sent = event.query.sql
          .split(';')
          .map((statement) => statement.trim())
          .filter((statement) => /^set local/i.test(statement))
          .map((statement) => CompiledQuery.raw(statement));
      else if (!/^(commit|rollback)/i.test(event.query.sql)) sent.push(event.query);
    },
  });
  await sql`
    insert into asset_partition (workflow_slug, asset_id, partition_key_norm, partition_key, sort_key, materializations,
      latest_event_id, latest_seq, latest_produced_at, latest_run_id, first_seen_seq, last_seq, expired_at)
    select ${slug}, ${assetId}, k, k, i, 1, 'e' || i, i, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 second',
      'r' || i, i, i, case when i % 2 = 0 then timestamptz '2026-02-01 00:00:00+00' end
    from generate_series(1, ${PARTITIONS}) as i, lateral (select 'p-' || lpad(i::text, 7, '0') as k) s`.execute(t.db);
  await sql`
    insert into asset_materialization (event_id, seq, asset_id, workflow_slug, workflow_definition_id, run_id, step_id,
      partition_key, produced_at, payload)
    select 'e' || i, i, ${assetId}, ${slug}, 'wf-big-id', 'r' || i, 's', case when i % 10 = 0 then 'hot' else 'p-' || lpad(i::text, 7, '0') end,
      timestamptz '2026-01-01 00:00:00+00' + i * interval '1 second', '{"n":1}'
    from generate_series(1, ${PARTITIONS}) as i`.execute(t.db);
  await sql`
    insert into workflow_run (id, workflow_slug, workflow_definition_id, status, trigger_type, created_at, state,
      requested_seq, last_seq)
    select 'r' || i, ${slug}, 'wf-big-id', 'succeeded', 'manual', now(), '{}', i, i
    from generate_series(1, ${PARTITIONS}) as i`.execute(t.db);
}, 120_000);

afterAll(async () => {
  await traced.destroy();
  await t.drop();
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Shared Hit Blocks': number;
  'Shared Read Blocks': number;
  Plans?: PlanNode[];
}

/** Runs `read` against the traced connection, then EXPLAIN (ANALYZE, BUFFERS) of the last statement it sent. */
async function planOf(
  read: (db: Kysely<Database>) => Promise<unknown>,
): Promise<{ root: PlanNode; nodes: PlanNode[] }> {
  sent = [];
  await read(traced);
  const settings = sent.filter((query) => /^set local/i.test(query.sql));
  const query = sent.filter((query) => !/^set local/i.test(query.sql)).pop();
  if (!query) throw new Error('no query was sent');
  // In a transaction with the same `set local` settings the read used.
  const result = await t.db.transaction().execute(async (tx) => {
    for (const setting of settings) await tx.executeQuery(setting);
    return tx.executeQuery<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
      CompiledQuery.raw(`explain (analyze, buffers, format json) ${query.sql}`, [...query.parameters]),
    );
  });
  const root = result.rows[0]!['QUERY PLAN'][0]!.Plan;
  const nodes: PlanNode[] = [];
  const walk = (node: PlanNode) => {
    nodes.push(node);
    for (const child of node.Plans ?? []) walk(child);
  };
  walk(root);
  return { root, nodes };
}

function expectFlat(plan: { root: PlanNode; nodes: PlanNode[] }, maxBlocks: number, index?: string): void {
  const scans = plan.nodes.filter((node) => node['Node Type'] === 'Seq Scan').map((node) => node['Relation Name']);
  expect(scans).toEqual([]);
  if (index) expect(plan.nodes.map((node) => node['Index Name'])).toContain(index);
  expect(plan.root['Shared Hit Blocks'] + plan.root['Shared Read Blocks']).toBeLessThan(maxBlocks);
}

describe('reads at 100k partitions on tables that were never analyzed', () => {
  it('has no statistics to lean on', async () => {
    const rows = await sql<{ relname: string; reltuples: number }>`
      select relname, reltuples::float8 as reltuples from pg_class
      where relname in ('asset_partition', 'asset_materialization', 'workflow_run') order by relname`.execute(t.db);
    expect(rows.rows.map((row) => row.reltuples)).toEqual([-1, -1, -1]);
  });

  it('pages partitions on the order index, first and deep pages alike', async () => {
    const first = await planOf((db) => listPartitionsAfter(db, { slug, assetId, limit: 51 }));
    expectFlat(first, 200, 'asset_partition_order_idx');
    const deep = await planOf((db) =>
      listPartitionsAfter(db, { slug, assetId, limit: 51, after: { sortKey: 50_000, keyNorm: key(50_000) } }),
    );
    expectFlat(deep, 200, 'asset_partition_order_idx');
    expect(
      (
        await listPartitionsAfter(traced, { slug, assetId, limit: 1, after: { sortKey: 50_000, keyNorm: key(50_000) } })
      )[0]!.partitionKey,
    ).toBe(key(49_999));
  });

  it('checks which upcoming keys exist with one primary-key probe per key', async () => {
    const keys = Array.from({ length: 50 }, (_, i) => key(i * 1000 + 7));
    expectFlat(await planOf((db) => existingPartitionKeys(db, slug, assetId, keys)), 400, 'asset_partition_pkey');
  });

  it('loads a batch of partition rows for the projection by primary key', async () => {
    const ids = Array.from({ length: 200 }, (_, i) => ({
      workflowSlug: slug,
      assetId,
      partitionKeyNorm: key(i * 400 + 1),
    }));
    const plan = await planOf((db) => db.transaction().execute((tx) => loadPartitions(tx, ids)));
    expectFlat(plan, 1500, 'asset_partition_pkey');
  });

  it('pages history newest first with and without a partition, first and deep pages alike', async () => {
    expectFlat(
      await planOf((db) => listHistory(db, { slug, assetId, limit: 11 })),
      200,
      'asset_materialization_wf_asset_idx',
    );
    const before = { producedAt: '2026-01-01T13:53:20.000Z', seq: 50_000 };
    expectFlat(await planOf((db) => listHistory(db, { slug, assetId, limit: 11, before })), 200);
    const hot = await planOf((db) => listHistory(db, { slug, assetId, partitionKey: 'hot', limit: 11, before }));
    expectFlat(hot, 200, 'asset_materialization_wf_asset_pk_idx');
    const page = await listHistory(traced, { slug, assetId, partitionKey: 'hot', limit: 2, before });
    expect(page.map((m) => [m.eventSeq, m.runStatus])).toEqual([
      [49_990, 'succeeded'],
      [49_980, 'succeeded'],
    ]);
  });

  it('reads materializations by event id and the latest partitions of the asset without scanning', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `e${i * 2000 + 3}`);
    expectFlat(await planOf((db) => materializationsByEventIds(db, ids)), 600, 'asset_materialization_pkey');
    expectFlat(await planOf((db) => latestPartitionsOfAsset(db, assetId, { limit: 51 })), 200);
    const deep = { producedAt: '2026-01-01T13:53:20.000Z', seq: 50_000 };
    expectFlat(await planOf((db) => latestPartitionsOfAsset(db, assetId, { limit: 51, before: deep })), 200);
  });

  it('reads the graph’s newest and stale partitions per asset and a workflow’s newest materializations in index order', async () => {
    expectFlat(
      await planOf((db) => newestPartitionsPerAsset(db, [assetId], 10)),
      200,
      'asset_partition_asset_latest_idx',
    );
    expectFlat(await planOf((db) => flaggedPartitionsPerAsset(db, [assetId], 50)), 300, 'asset_partition_flagged_idx');
    expectFlat(await planOf((db) => latestOfWorkflowAssets(db, slug, [assetId])), 100);
    const flagged = await flaggedPartitionsPerAsset(traced, [assetId], 2);
    expect(flagged.map((record) => record.partitionKey)).toEqual([key(100_000), key(99_998)]);
  });
});
