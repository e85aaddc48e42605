import { sql } from 'kysely';
import { allProjections } from '../../projections/index.js';
import { projectionGroup } from '../projector/projection-group.js';
import { loadConfig } from '../config/load-config.js';
import type { EventEnvelope, StoredEvent } from '../events/envelope.js';
import { ConsumerRunner } from '../events/consumer-runner.js';
import { openPlatform, type Platform } from '../runtime/platform.js';
import { rebuildReadModels, RebuildInProgressError } from './rebuild.js';
import { SHADOW_SCHEMA } from './shadow-schema.js';
import {
  aPartitionParametersSet,
  anAssetExpired,
  anAssetProduced,
  anAssetStaleCleared,
  anAssetStaleMarked,
} from '../../test/support/builders/asset-events.js';
import { aDefinitionUpdated, aWorkflow } from '../../test/support/builders/workflow-events.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { TEST_NATS_URL } from '../../test/support/test-env.js';
import { testPrefix, natsBehind } from '../../test/support/test-nats.js';

const TABLES = allProjections.flatMap((projection) => projection.tables);

function envelope(event: StoredEvent): EventEnvelope {
  const { seq: _seq, subject: _subject, ...rest } = event;
  return rest;
}

async function snapshot(platform: Platform, table: string): Promise<string[]> {
  const rows = await sql<{ row: string }>`select t::text as row from ${sql.table(`public.${table}`)} t`.execute(
    platform.db,
  );
  return rows.rows.map((r) => r.row).sort();
}

async function indexNames(platform: Platform): Promise<string[]> {
  const rows = await sql<{ name: string }>`
    select tablename || '.' || indexname as name from pg_indexes
    where schemaname = 'public' and tablename = any(${TABLES}::text[]) order by 1`.execute(platform.db);
  return rows.rows.map((r) => r.name);
}

describe('rebuild tool', () => {
  let database: TestDatabase;
  let platform: Platform;
  let live: ConsumerRunner;

  beforeAll(async () => {
    database = await createTestDatabase();
    platform = await openPlatform(
      loadConfig({
        DATABASE_URL: database.url,
        NATS_URL: TEST_NATS_URL,
        APPHUB_SUBJECT_PREFIX: testPrefix(),
        APPHUB_MIGRATE_ON_START: 'false',
        LOG_LEVEL: 'silent',
      }),
      { collectDefaultMetrics: false },
    );
    const { store } = platform;
    const nats = natsBehind(platform.events);
    const workflow = aWorkflow({
      slug: 'rt',
      steps: [
        {
          id: 'produce',
          type: 'job',
          jobSlug: 'rt-job',
          dependsOn: [],
          retries: 0,
          produces: [{ assetId: 'rt.out', partitioning: { type: 'dynamic' } }],
          consumes: [],
        },
      ],
    });
    await store.append(nats.subjects.definition('rt'), [
      envelope(aDefinitionUpdated(workflow, 0, nats.subjects.prefix)),
    ]);
    const target = { workflowSlug: 'rt', assetId: 'rt.out' };
    for (let i = 0; i < 60; i++) {
      const produced = anAssetProduced({
        ...target,
        partitionKey: `k${i % 17}`,
        producedAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
        payload: { i },
      });
      await store.append(nats.subjects.asset('produced', 'rt.out'), [envelope(produced)]);
      if (i % 10 === 3)
        await store.append(nats.subjects.asset('expired', 'rt.out'), [envelope(anAssetExpired(produced))]);
    }
    await store.append(nats.subjects.asset('stale-marked', 'rt.out'), [
      envelope(anAssetStaleMarked({ ...target, partitionKey: 'k1' })),
    ]);
    await store.append(nats.subjects.asset('stale-marked', 'rt.out'), [
      envelope(anAssetStaleMarked({ ...target, partitionKey: 'k2' })),
    ]);
    await store.append(nats.subjects.asset('stale-cleared', 'rt.out'), [
      envelope(anAssetStaleCleared({ ...target, partitionKey: 'k2' })),
    ]);
    await store.append(nats.subjects.asset('parameters-set', 'rt.out'), [
      envelope(aPartitionParametersSet({ ...target, partitionKey: 'k3', parameters: { day: 3 } })),
    ]);
    // A re-appended duplicate (same id, later sequence) must change nothing, live or rebuilt.
    const duplicate = anAssetProduced({ ...target, partitionKey: 'k5', id: '0b3b8e0e-0000-4000-8000-000000000005' });
    await store.append(nats.subjects.asset('produced', 'rt.out'), [envelope(duplicate)]);
    await store.append(nats.subjects.asset('produced', 'rt.out'), [{ ...envelope(duplicate) }]);
    live = new ConsumerRunner(projectionGroup('read_models', allProjections), {
      nats,
      store,
      db: platform.db,
      log: platform.log,
      leaseTtlMs: 3000,
      instanceId: 'rebuild-tool-test',
      withoutLease: true,
    });
    live.start();
    expect(await live.waitFor(await store.lastSequence(), 15_000)).toBe(true);
  });

  afterAll(async () => {
    await live.stop();
    await natsBehind(platform.events)
      .jsm.streams.delete(platform.store.subjects.streams.events)
      .catch(() => undefined);
    await platform.close();
    await database.drop();
  });

  it('resumes an interrupted rebuild from its own checkpoint and swaps in tables equal to the live ones', async () => {
    const before = await Promise.all(TABLES.map((table) => snapshot(platform, table)));
    const head = await platform.store.lastSequence();
    const interrupt = new AbortController();
    const first = await rebuildReadModels(allProjections, platform, {
      batchSize: 10,
      signal: interrupt.signal,
      onProgress: (progress) => {
        if (progress.phase === 'replay' && progress.seq >= 30) interrupt.abort();
      },
    });
    expect(first).toMatchObject({ interrupted: true, swapped: false });
    expect(first.seq).toBeGreaterThanOrEqual(30);
    expect(first.seq).toBeLessThan(head);
    // Another rebuild of other read models is refused while this one is unfinished.
    await expect(rebuildReadModels([allProjections[0]!], platform)).rejects.toBeInstanceOf(RebuildInProgressError);

    const second = await rebuildReadModels(allProjections, platform, { batchSize: 10 });
    expect(second).toMatchObject({ interrupted: false, swapped: true, exact: true, resumedFrom: first.seq });
    expect(second.seq).toBeGreaterThanOrEqual(head);
    for (const count of second.counts) expect(count.rebuilt).toBe(count.live);
    const after = await Promise.all(TABLES.map((table) => snapshot(platform, table)));
    expect(after).toEqual(before);
    expect(before.flat().length).toBeGreaterThan(100);
    const leftovers = await sql<{ n: number }>`
      select count(*)::int as n from pg_namespace where nspname in (${SHADOW_SCHEMA}, 'rebuild_retired')`.execute(
      platform.db,
    );
    expect(leftovers.rows[0]!.n).toBe(0);
  });

  it('swaps in tables that keep the migrations’ index and constraint names and have planner statistics', async () => {
    const names = await indexNames(platform);
    expect(names).toEqual(
      expect.arrayContaining([
        'asset_partition.asset_partition_pkey',
        'asset_partition.asset_partition_order_idx',
        'asset_materialization.asset_materialization_wf_asset_pk_idx',
        'workflow_asset_declarations.workflow_asset_declarations_wf_step_dir_asset_uq',
      ]),
    );
    await rebuildReadModels(allProjections, platform);
    expect(await indexNames(platform)).toEqual(names);
    // A later migration that names an index still finds it.
    await sql`alter index asset_partition_order_idx rename to asset_partition_order_idx_v2`.execute(platform.db);
    await sql`alter index asset_partition_order_idx_v2 rename to asset_partition_order_idx`.execute(platform.db);
    const analyzed = await sql<{ relname: string; last_analyze: Date | null }>`
      select relname, last_analyze from pg_stat_user_tables
      where schemaname = 'public' and relname = any(${TABLES}::text[])`.execute(platform.db);
    expect(analyzed.rows).toHaveLength(TABLES.length);
    for (const row of analyzed.rows)
      expect({ table: row.relname, analyzed: row.last_analyze !== null }).toEqual({
        table: row.relname,
        analyzed: true,
      });
  });

  it('--dry-run compares a fresh replay with the live tables without swapping, and finds a difference', async () => {
    const equal = await rebuildReadModels(allProjections, platform, { mode: 'compare' });
    expect(equal).toMatchObject({ swapped: false, equal: true });
    expect(equal.comparisons.map((c) => c.table).sort()).toEqual([...TABLES].sort());

    await sql`update asset_partition set materializations = materializations + 1 where partition_key = 'k4'`.execute(
      platform.db,
    );
    const differ = await rebuildReadModels(allProjections, platform, { mode: 'compare' });
    expect(differ.equal).toBe(false);
    const partitions = differ.comparisons.find((c) => c.table === 'asset_partition')!;
    expect(partitions.equal).toBe(false);
    expect(partitions.onlyLive).toHaveLength(1);
    expect(partitions.onlyLive[0]).toContain('k4');
    expect(differ.comparisons.filter((c) => !c.equal)).toHaveLength(1);
    await sql`update asset_partition set materializations = materializations - 1 where partition_key = 'k4'`.execute(
      platform.db,
    );
  });

  it('--from-seq checks one-row-per-event read models from a sequence on, and refuses folded ones', async () => {
    const history = allProjections.find((projection) => projection.name === 'asset_history')!;
    const report = await rebuildReadModels([history], platform, { mode: 'compare', fromSeq: 40 });
    expect(report.equal).toBe(true);
    expect(report.resumedFrom).toBe(39);
    const compared = report.comparisons[0]!;
    const all = await sql<{ n: number }>`select count(*)::int as n from asset_materialization`.execute(platform.db);
    expect(compared.live.rows).toBeGreaterThan(0);
    expect(compared.live.rows).toBeLessThan(all.rows[0]!.n);
    await expect(rebuildReadModels(allProjections, platform, { mode: 'compare', fromSeq: 40 })).rejects.toThrow(
      /fold the whole stream/,
    );
  });
});
