import pino from 'pino';
import type { Kysely } from 'kysely';
import { CheckpointMovedError, loadCheckpoint } from '../events/consumer-store/index.js';
import { createDatabase } from '../db/database-factory.js';
import { applyProjectionBatch } from '../events/projection-batches.js';
import type { StoredEvent } from '../events/envelope.js';
import { anAssetExpired, anAssetProduced } from '../../test/support/builders/asset-events.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import type { Database } from '../../projections/database.js';
import { allProjections } from '../../projections/index.js';
import { projectionGroup } from './projection-group.js';

const log = pino({ level: 'silent' });
const GROUP = 'read_models';

let grouped: TestDatabase;
let oneByOne: TestDatabase;
let counting: Kysely<Database>;
let statements = 0;

beforeAll(async () => {
  [grouped, oneByOne] = [await createTestDatabase(), await createTestDatabase()];
  counting = createDatabase({
    connectionString: grouped.url,
    maxConnections: 2,
    onQuery: () => void (statements += 1),
  });
});
afterAll(async () => {
  await counting.destroy();
  await grouped.drop();
  await oneByOne.drop();
});

function aBatch(from: number): StoredEvent[] {
  const events: StoredEvent[] = [];
  for (let i = 0; i < 40; i++) {
    const produced = anAssetProduced({
      seq: from + 2 * i,
      assetId: `group.asset${i % 3}`,
      workflowSlug: `wf-group${i % 2}`,
      partitionKey: `p${i % 5}`,
      producedAt: new Date(Date.UTC(2025, 0, 1, 0, i)).toISOString(),
      payload: { i },
    });
    events.push(produced);
    events.push(
      i % 4 === 0 ? anAssetExpired(produced, { seq: from + 2 * i + 1 }) : { ...produced, seq: from + 2 * i + 1 },
    );
  }
  return events;
}

const snapshot = async (db: Kysely<Database>) => ({
  history: await db.selectFrom('asset_materialization').selectAll().orderBy('seq').execute(),
  partitions: await db
    .selectFrom('asset_partition')
    .selectAll()
    .orderBy('workflow_slug')
    .orderBy('asset_id')
    .orderBy('partition_key_norm')
    .execute(),
  catalog: await db.selectFrom('asset_catalog').selectAll().orderBy('asset_id').execute(),
});

describe('the read-model group applies a batch in two statements', () => {
  it('writes what projecting each event on its own writes, in two round trips whatever the batch size', async () => {
    const group = projectionGroup(GROUP, allProjections);
    const checkpoint = await loadCheckpoint(counting, GROUP);
    const batch = aBatch(checkpoint + 1);
    statements = 0;
    await applyProjectionBatch({ db: counting, target: group, log }, batch, checkpoint, batch.at(-1)!.seq);
    expect(statements).toBe(2);
    for (const event of batch)
      await oneByOne.db.transaction().execute(async (tx) => {
        for (const projection of allProjections)
          if (projection.canHandle.includes(event.type)) await projection.project(event, tx);
      });
    const rows = await snapshot(grouped.db);
    expect(rows.history.length).toBeGreaterThan(0);
    expect(rows.partitions.length).toBeGreaterThan(0);
    expect(rows).toEqual(await snapshot(oneByOne.db));
    const positions = await grouped.db.selectFrom('projection_checkpoint').select(['name', 'last_seq']).execute();
    for (const name of [GROUP, ...allProjections.map((projection) => projection.name)])
      expect(positions).toContainEqual({ name, last_seq: batch.at(-1)!.seq });
  });

  it('writes nothing when another writer moved the checkpoint', async () => {
    const group = projectionGroup(GROUP, allProjections);
    const checkpoint = await loadCheckpoint(counting, GROUP);
    const before = await snapshot(grouped.db);
    const batch = aBatch(checkpoint + 1);
    await expect(
      applyProjectionBatch({ db: counting, target: group, log }, batch, checkpoint - 1, batch.at(-1)!.seq),
    ).rejects.toBeInstanceOf(CheckpointMovedError);
    expect(await snapshot(grouped.db)).toEqual(before);
  });

  it('an armed drill freeze sends the batch through a transaction and stops inside it, before the checkpoint', async () => {
    const group = projectionGroup(GROUP, allProjections);
    const checkpoint = await loadCheckpoint(counting, GROUP);
    const batch = aBatch(checkpoint + 1);
    const stops: Array<{ name: string; statementsSoFar: number }> = [];
    const testFreeze = {
      armed: (name: string) => name === GROUP,
      inside: (name: string) => void stops.push({ name, statementsSoFar: statements }),
    };
    statements = 0;
    await applyProjectionBatch({ db: counting, target: group, log, testFreeze }, batch, checkpoint, batch.at(-1)!.seq);
    // begin, the rows' statements, then the stop, then the checkpoint and commit: not the two-statement path.
    expect(stops).toEqual([{ name: GROUP, statementsSoFar: expect.any(Number) }]);
    expect(stops[0]!.statementsSoFar).toBeGreaterThan(1);
    expect(statements).toBeGreaterThan(stops[0]!.statementsSoFar);
    expect(await loadCheckpoint(grouped.db, GROUP)).toBe(batch.at(-1)!.seq);
  });
});
