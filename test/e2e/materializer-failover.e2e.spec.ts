import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { openTestNats, testPrefix } from '../support/test-nats.js';
import { eventually } from '../support/waiting.js';
import {
  appendProduced,
  pairOfWorkflows,
  producedEnvelope,
  register,
  requestedRunsByPartition,
  waitForCheckpoint,
} from './materializer-fixtures.js';

describe('two materializer instances on one database and prefix', () => {
  let database: TestDatabase;
  const prefix = testPrefix();
  let apps: TestApp[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    for (const app of apps) await app.close().catch(() => undefined);
    await (await openTestNats(prefix)).dispose();
    await database.drop();
  });

  const burst = async (app: TestApp, from: number, count: number) => {
    let last = 0;
    for (let i = from; i < from + count; i++)
      last = await appendProduced(
        app.platform.store,
        producedEnvelope({ assetId: 'ha.up', workflowSlug: 'ha-up', partitionKey: `k-${i}` }),
      );
    return last;
  };
  const leaseOwner = async (app: TestApp) => {
    const entry = await app.platform.nats.leases.get('consumer.materializer');
    return entry && entry.operation === 'PUT' ? entry.string() : null;
  };

  it('requests every run once, and fails over when the leader goes away', async () => {
    const full = await startTestApp({}, { database, prefix });
    const standby = await startTestApp({ APPHUB_ROLES: 'materializer,projector' }, { database, prefix });
    apps = [full, standby];
    const pair = pairOfWorkflows('ha', { partitioning: { type: 'dynamic' } });
    await register(full, pair.upstream);
    await register(full, pair.downstream);

    const firstLast = await burst(full, 0, 40);
    await waitForCheckpoint(database.db, 'materializer', firstLast);
    const owner = await leaseOwner(full);
    const leader = apps.find((app) => app.platform.instanceId === owner)!;
    const survivor = apps.find((app) => app !== leader)!;
    expect(leader).toBeDefined();

    const during = burst(survivor, 40, 40);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await leader.close();
    apps = [survivor];
    const secondLast = await during;
    await waitForCheckpoint(database.db, 'materializer', secondLast, 30_000);
    expect(await leaseOwner(survivor)).toBe(survivor.platform.instanceId);

    const runs = await eventually(
      () => requestedRunsByPartition(survivor.platform.nats, 'ha-down'),
      (counts) => counts.size === 80,
    );
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
  });
});
