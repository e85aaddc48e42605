import type { StoredEvent } from '../../src/events/envelope.js';
import {
  aBackfillCanceled,
  aBackfillCompleted,
  aBackfillRequested,
  aBackfillRunRequested,
  aDecision,
  aPartitionRequested,
} from '../../test/support/builders/backfill-events.js';
import { aRunEnded } from '../../test/support/builders/materializer-events.js';
import { projectionSpec } from '../../test/support/projection-spec.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { backfillsProjection } from './backfills.projection.js';
import { findBackfill, listBackfillPartitions } from './backfills.queries.js';

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
});

const KEYS = ['2025-01-01', '2025-01-02', '2025-01-03'];

async function progress(id: string) {
  const backfill = (await findBackfill(t.db, 'daily', id))!;
  const partitions = await listBackfillPartitions(t.db, { backfill, limit: 100 });
  return {
    status: backfill.status,
    counts: backfill.counts,
    partitions: partitions.map((p) => [p.partitionKey, p.status, p.runId]),
  };
}

async function inBatch(events: StoredEvent[]): Promise<void> {
  await t.db.transaction().execute((tx) => backfillsProjection.projectBatch!(events, tx));
}

describe('backfills projection', () => {
  it('follows each partition from queued to its end, counts included, and completes', async () => {
    const request = aBackfillRequested({ partitionKeys: KEYS });
    const ids = [request.data.backfillId];
    await inBatch([request]);
    expect(await progress(request.data.backfillId)).toMatchObject({
      status: 'running',
      counts: { total: 3, queued: 3 },
      partitions: KEYS.map((key) => [key, 'queued', null]),
    });
    await inBatch([
      aPartitionRequested(request.data, '2025-01-01'),
      aPartitionRequested(request.data, '2025-01-02'),
      aDecision('coalesced', { slug: 'daily', partitionKey: '2025-01-02', backfillIds: ids, runId: 'auto' }),
      aDecision('enqueued', { slug: 'daily', partitionKey: '2025-01-01', backfillIds: ids, runId: 'run-1' }),
    ]);
    expect(await progress(request.data.backfillId)).toMatchObject({
      counts: { queued: 1, waiting: 1, running: 1 },
      partitions: [
        ['2025-01-01', 'running', 'run-1'],
        ['2025-01-02', 'waiting', null],
        ['2025-01-03', 'queued', null],
      ],
    });
    // The run's request after the enqueued decision changes nothing; its end in the same batch as another link.
    await inBatch([
      aBackfillRunRequested('daily', 'run-1', '2025-01-01', ids),
      aRunEnded('succeeded', 'daily', 'run-1'),
      aBackfillRunRequested('daily', 'follow-up', '2025-01-02', ids),
      aRunEnded('failed', 'daily', 'follow-up'),
      aPartitionRequested(request.data, '2025-01-03'),
      aDecision('skipped', {
        slug: 'daily',
        partitionKey: '2025-01-03',
        backfillIds: ids,
        reason: 'partition_mismatch',
      }),
    ]);
    const ended = await progress(request.data.backfillId);
    expect(ended).toMatchObject({
      counts: { total: 3, queued: 0, running: 0, succeeded: 1, failed: 1, skipped: 1 },
      partitions: [
        ['2025-01-01', 'succeeded', 'run-1'],
        ['2025-01-02', 'failed', 'follow-up'],
        ['2025-01-03', 'skipped', null],
      ],
    });
    expect(await t.db.selectFrom('backfill_run').selectAll().execute()).toEqual([]);
    await inBatch([aBackfillCompleted(request.data, 'failed', { succeeded: 1, failed: 1, skipped: 1 })]);
    const done = (await findBackfill(t.db, 'daily', request.data.backfillId))!;
    expect(done).toMatchObject({ status: 'failed', completedAt: '2025-01-01T00:00:00.000Z' });
  });

  it('shows partitions never released as canceled after a cancel, and a late release still moves one on', async () => {
    const request = aBackfillRequested({ partitionKeys: KEYS });
    await inBatch([request, aPartitionRequested(request.data, '2025-01-01'), aBackfillCanceled(request.data)]);
    expect(await progress(request.data.backfillId)).toMatchObject({
      status: 'canceling',
      counts: { queued: 0, requested: 1, canceled: 2 },
      partitions: [
        ['2025-01-01', 'requested', null],
        ['2025-01-02', 'canceled', null],
        ['2025-01-03', 'canceled', null],
      ],
    });
    await inBatch([aPartitionRequested(request.data, '2025-01-02')]);
    expect((await progress(request.data.backfillId)).counts).toMatchObject({ requested: 2, canceled: 1 });
  });

  it('changes nothing when events are delivered again, alone or in a later batch', async () => {
    const request = aBackfillRequested({ partitionKeys: KEYS });
    const ids = [request.data.backfillId];
    const events = [
      request,
      aPartitionRequested(request.data, '2025-01-01'),
      aBackfillRunRequested('daily', 'dup-run', '2025-01-01', ids),
      aRunEnded('succeeded', 'daily', 'dup-run'),
    ];
    const spec = projectionSpec(t.db, backfillsProjection);
    for (const event of events)
      await spec
        .given(events)
        .when(event, { times: 2 })
        .then(
          async () => (await progress(request.data.backfillId)).counts,
          expect.objectContaining({ total: 3, queued: 2, succeeded: 1, running: 0 }) as never,
        );
  });

  it('ignores run ends and decisions that concern no backfill', async () => {
    const before = await t.db.selectFrom('backfill_partition').select('last_seq').execute();
    await inBatch([
      aRunEnded('succeeded', 'daily', 'unrelated'),
      aDecision('enqueued', { slug: 'daily', partitionKey: '2025-01-01', backfillIds: ['unknown'], runId: 'x' }),
    ]);
    expect(await t.db.selectFrom('backfill_partition').select('last_seq').execute()).toEqual(before);
  });
});
