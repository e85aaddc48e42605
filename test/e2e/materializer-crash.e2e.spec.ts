import { killHard, startServiceProcess, type ServiceProcess } from '../support/service-process.js';
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

const PARTITIONS = 300;

describe('kill -9 of the materializer process in the middle of a burst of upstream productions', () => {
  let database: TestDatabase;
  const prefix = testPrefix();
  let t: TestApp | undefined;
  let service: ServiceProcess | undefined;
  const env = () => ({
    DATABASE_URL: database.url,
    APPHUB_SUBJECT_PREFIX: prefix,
    APPHUB_MIGRATE_ON_START: 'false',
    APPHUB_ROLES: 'api,materializer',
    APPHUB_LEASE_TTL_MS: '3000',
  });

  beforeAll(async () => {
    database = await createTestDatabase();
    t = await startTestApp({ APPHUB_ROLES: 'api' }, { database, prefix });
  });
  afterAll(async () => {
    if (service) await killHard(service);
    await t?.close();
    await (await openTestNats(prefix)).dispose();
    await database.drop();
  });

  it('loses no trigger and requests no run twice after a restart', async () => {
    const app = t!;
    const pair = pairOfWorkflows('crash', { partitioning: { type: 'dynamic' } });
    await register(app, pair.upstream);
    await register(app, pair.downstream);
    service = await startServiceProcess(env());

    const seqs: number[] = [];
    const burst = (async () => {
      for (let i = 0; i < PARTITIONS; i++) {
        seqs.push(
          await appendProduced(
            app.platform.store,
            producedEnvelope({ assetId: 'crash.up', workflowSlug: 'crash-up', partitionKey: `k-${i}` }),
          ),
        );
      }
    })();
    await eventually(
      () => Promise.resolve(seqs.length),
      (n) => n >= PARTITIONS / 3,
      30_000,
      5,
    );
    await waitForCheckpoint(database.db, 'materializer', seqs[Math.floor(PARTITIONS / 4)]!, 30_000);
    await killHard(service);
    await burst;

    service = await startServiceProcess(env());
    await waitForCheckpoint(database.db, 'materializer', seqs[seqs.length - 1]!, 60_000);
    const runs = await eventually(
      () => requestedRunsByPartition(app.platform.nats, 'crash-down'),
      (counts) => counts.size >= PARTITIONS,
      10_000,
    );
    expect(runs.size).toBe(PARTITIONS);
    expect([...runs.entries()].filter(([, n]) => n !== 1)).toEqual([]);
  });
});
