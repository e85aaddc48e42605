import { eventCatalog } from '../../src/event-catalog.js';
import type { StoredEvent } from '../../src/events/envelope.js';
import { EventSchemaRegistry } from '../../src/events/event-schemas.js';
import {
  anAssetExpired,
  anAssetProduced,
  anAssetStaleCleared,
  anAssetStaleMarked,
  aPartitionParametersDeleted,
  aPartitionParametersSet,
} from '../../test/support/builders/asset-events.js';
import { aDefinitionUpdated, aWorkflow } from '../../test/support/builders/workflow-events.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { workflowDefinitionsProjection } from '../workflow-definitions/workflow-definitions.projection.js';
import { assetPartitionsProjection } from './asset-partitions.projection.js';

let t: TestDatabase;
let slugCounter = 0;
const registry = new EventSchemaRegistry(eventCatalog);

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
});

/** Events one by one (`project`) or as one batch (`projectBatch`), each in one transaction like the runner. */
async function when(events: StoredEvent[], mode: 'one-by-one' | 'batch' = 'one-by-one'): Promise<void> {
  for (const { seq: _seq, subject: _subject, ...envelope } of events) registry.assertValid(envelope);
  await t.db.transaction().execute(async (tx) => {
    if (mode === 'batch') await assetPartitionsProjection.projectBatch!(events, tx);
    else for (const event of events) await assetPartitionsProjection.project(event, tx);
  });
}

async function rows(slug: string) {
  return t.db
    .selectFrom('asset_partition')
    .select([
      'partition_key',
      'partition_key_norm',
      'sort_key',
      'materializations',
      'latest_event_id',
      'latest_run_id',
      'expired_at',
      'expired_reason',
      'stale_requested_by',
      'stale_note',
      'parameters',
      'parameters_source',
      'last_seq',
    ])
    .where('workflow_slug', '=', slug)
    .orderBy('sort_key', 'desc')
    .orderBy('partition_key_norm')
    .execute();
}

function newSlug(): string {
  return `wf-p${++slugCounter}`;
}

describe('asset_partitions projection', () => {
  it('counts materializations and keeps the newest by (producedAt, seq) as latest', async () => {
    const slug = newSlug();
    const first = anAssetProduced({ workflowSlug: slug, seq: 10, producedAt: '2025-01-01T10:00:00.000Z' });
    const backdated = anAssetProduced({ workflowSlug: slug, seq: 11, producedAt: '2025-01-01T09:00:00.000Z' });
    await when([first, backdated]);
    expect(await rows(slug)).toEqual([
      expect.objectContaining({
        partition_key: null,
        partition_key_norm: '',
        materializations: 2,
        latest_event_id: first.id,
        last_seq: 11,
      }),
    ]);
  });

  it('changes nothing for the same event delivered twice, or an older duplicate after a newer event', async () => {
    const slug = newSlug();
    const older = anAssetProduced({ workflowSlug: slug, seq: 20, producedAt: '2025-01-01T10:00:00.000Z' });
    const newer = anAssetProduced({ workflowSlug: slug, seq: 21, producedAt: '2025-01-01T11:00:00.000Z' });
    await when([older, older]);
    await when([older]);
    await when([newer]);
    const reappended = { ...older, seq: 22 };
    await when([reappended]);
    await when([reappended, newer], 'batch');
    expect(await rows(slug)).toEqual([
      expect.objectContaining({ materializations: 2, latest_event_id: newer.id, last_seq: 21 }),
    ]);
    const catalog = await t.db
      .selectFrom('asset_catalog')
      .select(['partition_count', 'materializations'])
      .where('asset_id', '=', 'demo.asset')
      .executeTakeFirstOrThrow();
    expect(catalog.materializations).toBeGreaterThanOrEqual(2);
  });

  it('ignores an expiry of a materialization that is no longer the latest', async () => {
    const slug = newSlug();
    const first = anAssetProduced({ workflowSlug: slug, seq: 30, producedAt: '2025-01-01T10:00:00.000Z' });
    const second = anAssetProduced({ workflowSlug: slug, seq: 31, producedAt: '2025-01-01T11:00:00.000Z' });
    await when([first, second, anAssetExpired(first, { seq: 32 })]);
    expect((await rows(slug))[0]).toMatchObject({ expired_at: null, latest_event_id: second.id });
    await when([anAssetExpired(second, { seq: 33, expiresAt: '2025-01-01T12:00:00.000Z', reason: 'cadence' })]);
    expect((await rows(slug))[0]).toMatchObject({
      expired_at: new Date('2025-01-01T12:00:00.000Z'),
      expired_reason: 'cadence',
    });
    await when([anAssetProduced({ workflowSlug: slug, seq: 34, producedAt: '2025-01-01T13:00:00.000Z' })]);
    expect((await rows(slug))[0]).toMatchObject({ expired_at: null, expired_reason: null, materializations: 3 });
  });

  it('clears a manual stale mark with a new materialization, and keeps a row created by a mark alone', async () => {
    const slug = newSlug();
    await when([anAssetStaleMarked({ workflowSlug: slug, seq: 40, note: 'bad numbers' })]);
    expect(await rows(slug)).toEqual([
      expect.objectContaining({
        materializations: 0,
        stale_requested_by: 'runner',
        stale_note: 'bad numbers',
        latest_event_id: null,
      }),
    ]);
    await when([anAssetProduced({ workflowSlug: slug, seq: 41 })]);
    expect(await rows(slug)).toEqual([
      expect.objectContaining({ materializations: 1, stale_requested_by: null, stale_note: null }),
    ]);
  });

  it('removes a row left empty by clearing its mark or deleting its parameters', async () => {
    const slug = newSlug();
    await when([
      anAssetStaleMarked({ workflowSlug: slug, seq: 50 }),
      aPartitionParametersSet({ workflowSlug: slug, seq: 51 }),
    ]);
    await when([anAssetStaleCleared({ workflowSlug: slug, seq: 52 })]);
    expect(await rows(slug)).toHaveLength(1);
    await when([aPartitionParametersDeleted({ workflowSlug: slug, seq: 53 })]);
    expect(await rows(slug)).toHaveLength(0);
  });

  it('never overwrites manual parameters with a run, and captures run parameters per asset × partition (B8)', async () => {
    const slug = newSlug();
    await when([
      aPartitionParametersSet({ workflowSlug: slug, assetId: 'a.one', seq: 60, parameters: { region: 'manual' } }),
    ]);
    await when(
      [
        anAssetProduced({ workflowSlug: slug, assetId: 'a.one', seq: 61, parameters: { region: 'run' } }),
        anAssetProduced({ workflowSlug: slug, assetId: 'a.two', seq: 62, parameters: { region: 'run' } }),
      ],
      'batch',
    );
    const stored = await t.db
      .selectFrom('asset_partition')
      .select(['asset_id', 'parameters', 'parameters_source'])
      .where('workflow_slug', '=', slug)
      .orderBy('asset_id')
      .execute();
    expect(stored).toEqual([
      { asset_id: 'a.one', parameters: { region: 'manual' }, parameters_source: 'manual' },
      { asset_id: 'a.two', parameters: { region: 'run' }, parameters_source: 'workflow-run' },
    ]);
    await when([
      aPartitionParametersDeleted({ workflowSlug: slug, assetId: 'a.one', seq: 63 }),
      anAssetProduced({
        workflowSlug: slug,
        assetId: 'a.one',
        seq: 64,
        producedAt: '2025-02-01T00:00:00.000Z',
        parameters: { region: 'later-run' },
      }),
    ]);
    expect(
      (await rows(slug)).find(
        (row) =>
          row.parameters_source === 'workflow-run' && (row.parameters as { region: string }).region === 'later-run',
      ),
    ).toBeDefined();
  });

  it('sorts time windows by window start, static keys by declared index and dynamic keys by first sight', async () => {
    const slug = newSlug();
    await t.db.transaction().execute((tx) =>
      workflowDefinitionsProjection.project(
        aDefinitionUpdated(
          aWorkflow({
            slug,
            steps: [
              {
                id: 'produce',
                type: 'job',
                jobSlug: 'produce',
                dependsOn: [],
                retries: 0,
                consumes: [],
                produces: [
                  { assetId: 'p.day', partitioning: { type: 'timeWindow', granularity: 'day' } },
                  { assetId: 'p.static', partitioning: { type: 'static', keys: ['b', 'a'] } },
                  { assetId: 'p.dynamic', partitioning: { type: 'dynamic' } },
                ],
              },
            ],
          }),
          70,
        ),
        tx,
      ),
    );
    await when(
      [
        anAssetProduced({ workflowSlug: slug, assetId: 'p.day', partitionKey: '2024-01-05', seq: 71 }),
        anAssetProduced({ workflowSlug: slug, assetId: 'p.static', partitionKey: 'a', seq: 72 }),
        anAssetProduced({ workflowSlug: slug, assetId: 'p.dynamic', partitionKey: 'x', seq: 73 }),
        anAssetStaleMarked({ workflowSlug: slug, assetId: 'p.static', partitionKey: 'b', seq: 74 }),
      ],
      'batch',
    );
    const sortKeys = Object.fromEntries((await rows(slug)).map((row) => [row.partition_key, row.sort_key]));
    expect(sortKeys).toEqual({ '2024-01-05': Date.parse('2024-01-05T00:00:00.000Z'), a: -1, b: 0, x: 73 });
  });

  it('keeps the catalog: materialized partitions and the newest materialization across workflows', async () => {
    const assetId = 'catalog.asset';
    const a = anAssetProduced({
      workflowSlug: newSlug(),
      assetId,
      partitionKey: null,
      seq: 80,
      producedAt: '2025-03-01T00:00:00.000Z',
    });
    const b = anAssetProduced({
      workflowSlug: newSlug(),
      assetId,
      partitionKey: null,
      seq: 81,
      producedAt: '2025-02-01T00:00:00.000Z',
    });
    await when([a]);
    await when([b, anAssetStaleMarked({ workflowSlug: 'wf-other', assetId, seq: 82 })], 'batch');
    const catalog = await t.db
      .selectFrom('asset_catalog')
      .select(['partition_count', 'materializations', 'latest_event_id', 'latest_workflow_slug'])
      .where('asset_id', '=', assetId)
      .executeTakeFirstOrThrow();
    expect(catalog).toEqual({
      partition_count: 2,
      materializations: 2,
      latest_event_id: a.id,
      latest_workflow_slug: a.data.workflowSlug,
    });
  });

  it('gives the same rows projected one by one as in one batch', async () => {
    const build = (slug: string, base: number) => [
      anAssetProduced({ workflowSlug: slug, id: `${slug}-1`, seq: base + 1, producedAt: '2025-01-01T10:00:00.000Z' }),
      anAssetStaleMarked({ workflowSlug: slug, id: `${slug}-2`, seq: base + 2 }),
      anAssetProduced({
        workflowSlug: slug,
        id: `${slug}-3`,
        seq: base + 3,
        producedAt: '2025-01-01T09:00:00.000Z',
        parameters: { p: 1 },
      }),
      aPartitionParametersSet({ workflowSlug: slug, id: `${slug}-4`, seq: base + 4 }),
    ];
    const one = newSlug();
    const two = newSlug();
    await when(build(one, 100));
    await when(build(two, 100), 'batch');
    const strip = (list: Awaited<ReturnType<typeof rows>>) =>
      list.map(({ latest_event_id, latest_run_id: _latestRunId, ...rest }) => ({
        ...rest,
        latest: latest_event_id?.split('-').pop(),
      }));
    expect(strip(await rows(two))).toEqual(strip(await rows(one)));
  });

  it('projects a batch of 1000 materializations over 1000 partitions in one set-based pass', async () => {
    const slug = newSlug();
    const events = Array.from({ length: 1000 }, (_, i) =>
      anAssetProduced({ workflowSlug: slug, assetId: 'bulk.asset', partitionKey: `k${i}`, seq: 10_000 + i }),
    );
    await when(events, 'batch');
    expect(await rows(slug)).toHaveLength(1000);
  });

  it('keeps partition and catalog counts right under redelivered batches and duplicate ids', async () => {
    const slug = newSlug();
    const assetId = 'counted.asset';
    const produced = (key: string, id: string, seq: number) =>
      anAssetProduced({ workflowSlug: slug, assetId, partitionKey: key, id, seq });
    const batch = [
      produced('a', `${slug}-1`, 20_001),
      produced('b', `${slug}-2`, 20_002),
      produced('a', `${slug}-3`, 20_003),
    ];
    await when(batch, 'batch');
    // The same batch again (a redelivery after a lost commit acknowledgement), and one by one.
    await when(batch, 'batch');
    await when(batch);
    // A re-appended duplicate (same id, later sequence), and a duplicate inside one batch.
    await when([produced('b', `${slug}-2`, 20_010)], 'batch');
    await when([produced('c', `${slug}-4`, 20_011), produced('c', `${slug}-4`, 20_012)], 'batch');
    const partitions = await rows(slug);
    expect(partitions.map((row) => [row.partition_key, row.materializations])).toEqual(
      expect.arrayContaining([
        ['a', 2],
        ['b', 1],
        ['c', 1],
      ]),
    );
    const catalog = await t.db
      .selectFrom('asset_catalog')
      .select(['partition_count', 'materializations'])
      .where('asset_id', '=', assetId)
      .executeTakeFirstOrThrow();
    expect(catalog).toEqual({ partition_count: 3, materializations: 4 });
  });
});
