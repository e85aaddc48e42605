import { subjectsFor } from '../events/subjects.js';
import { aBackfillRequested, aBackfillRunRequested } from '../../test/support/builders/backfill-events.js';
import { aRunEnded } from '../../test/support/builders/materializer-events.js';
import { givenManager, KernelWorld } from '../../test/support/manager-spec.js';
import { MemoryBackfillStore } from '../../test/support/memory-stores.js';
import { backfillManagerDefinition, partitionRowKey } from './backfill-manager.definition.js';

const KEYS = ['2025-01-01', '2025-01-02', '2025-01-03'];
const world = () => new KernelWorld(backfillManagerDefinition(subjectsFor('apphub')), new MemoryBackfillStore());

/** The backfill manager as it ships (definition on the kernel), given/when/then over batches (STYLE §10). */
describe('backfill manager (kernel)', () => {
  it('appends the released partitions once; the same batch delivered again appends nothing', async () => {
    const request = aBackfillRequested({ partitionKeys: KEYS, maxConcurrentRuns: 2 });
    const when = givenManager(world, []).when(request);
    await when.then({
      appends: ['backfill.partition-requested', 'backfill.partition-requested'],
      state: (state) =>
        expect([...state.backfills.get(request.data.backfillId)!.active.keys()]).toEqual(KEYS.slice(0, 2)),
    });
    const { world: w } = await when.outcome;
    const again = await w.deliver(w.log.events.filter((event) => event.id === request.id));
    expect(again.appended).toEqual([]);
  });

  it('writes back the backfill and its partitions, and a restart from them releases the next partition', async () => {
    const request = aBackfillRequested({ partitionKeys: KEYS, maxConcurrentRuns: 2 });
    const ids = [request.data.backfillId];
    const spec = givenManager(world, [request, aBackfillRunRequested('daily', 'run-1', KEYS[0]!, ids)]);
    const first = await spec.world;
    await first.write();
    const store = first.store as MemoryBackfillStore;
    expect(store.tables.table('partition').get(partitionRowKey(ids[0]!, KEYS[0]!))).toMatchObject({ runId: 'run-1' });
    const restarted = await first.restart();
    restarted.add(aRunEnded('succeeded', 'daily', 'run-1'));
    const outcome = (await restarted.step())!;
    expect(outcome.appended.map((event) => (event.data as { partitionKey: string }).partitionKey)).toEqual([KEYS[2]]);
  });

  it('completes once nothing is left in flight, and its rows go with the next write', async () => {
    const request = aBackfillRequested({ partitionKeys: KEYS.slice(0, 1), maxConcurrentRuns: 1 });
    const ids = [request.data.backfillId];
    const spec = givenManager(world, [request, aBackfillRunRequested('daily', 'run-1', KEYS[0]!, ids)]);
    await (await spec.world).write();
    const done = await spec.when(aRunEnded('failed', 'daily', 'run-1')).then({
      appends: ['backfill.completed'],
      state: (state) => expect(state.backfills.size).toBe(0),
    });
    expect(done.appended[0]!.data).toMatchObject({ status: 'failed', counts: { total: 1, failed: 1 } });
    const w = await spec.world;
    await w.write();
    const store = w.store as MemoryBackfillStore;
    expect([...store.tables.table('backfill').keys(), ...store.tables.table('partition').keys()]).toEqual([]);
  });
});
