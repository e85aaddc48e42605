import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import type { TriggerSpec } from './materializer.events.js';
import { targetKey, type TargetState } from './saga-state.js';
import { loadMaterializerSnapshot, saveMaterializerChanges } from './state/materializer.store.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
});

const held: TriggerSpec = {
  reason: 'expiry',
  assetId: 'report.daily',
  sourceAssetId: 'report.daily',
  partitionKey: 'eu',
  upstream: null,
  expiry: { reason: 'ttl' },
  chain: ['report'],
  eventId: 'expired-1',
  coalesced: 0,
};
const blocked: TargetState = {
  workflowSlug: 'report',
  partitionKey: 'eu',
  inFlight: null,
  pending: null,
  queued: [],
  failures: 0,
  nextEligibleAt: null,
  checkBlock: {
    inputs: [{ assetId: 'src.rows', partitionKey: 'eu', eventId: 'produced-1', seq: 41, checks: ['rows'] }],
    heldExpiry: held,
  },
};
const changes = (targets: Array<[string, TargetState | undefined]>) => ({
  workflows: [],
  latest: [],
  targets,
  runs: [],
  parameters: [],
  seen: [],
});

describe('materializer store: check blocks (issue 20)', () => {
  it('keeps a target’s blocked inputs and held expiry across a restart, and forgets them when the block is lifted', async () => {
    const key = targetKey('report', 'eu');
    await t.db.transaction().execute((tx) => saveMaterializerChanges(tx, changes([[key, blocked]])));
    expect((await loadMaterializerSnapshot(t.db)).targets.get(key)).toEqual(blocked);

    const { checkBlock: _lifted, ...unblocked } = blocked;
    const failing = { ...unblocked, failures: 1, nextEligibleAt: '2026-03-01T06:02:00.000Z' };
    await t.db.transaction().execute((tx) => saveMaterializerChanges(tx, changes([[key, failing]])));
    expect((await loadMaterializerSnapshot(t.db)).targets.get(key)).toEqual(failing);
  });
});
