import { startServiceProcess, killHard, type ServiceProcess } from '../support/service-process.js';
import { PrivateNats } from '../support/private-services.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { testPrefix } from '../support/test-nats.js';
import {
  completeBurst,
  expectNothingLostNothingTwice,
  prepareBurst,
  waitUntilReady,
  type Answer,
} from './drill-client.js';

const RUNS = 300;

/**
 * Drill (issue 8): `kill -9` of nats-server in the middle of a burst of 300 completions, back after 5 s. Every run
 * succeeds exactly once, history holds 300 distinct materializations, the stream holds no id twice, and the same
 * process becomes ready again by itself within 10 s of NATS returning.
 */
describe('drill: NATS killed in the middle of a burst of completions', () => {
  let nats: PrivateNats;
  let database: TestDatabase;
  let service: ServiceProcess | undefined;
  const prefix = testPrefix();

  beforeAll(async () => {
    nats = await PrivateNats.start();
    database = await createTestDatabase();
    service = await startServiceProcess({
      NATS_URL: nats.url,
      DATABASE_URL: database.url,
      APPHUB_SUBJECT_PREFIX: prefix,
      APPHUB_MIGRATE_ON_START: 'false',
    });
  });
  afterAll(async () => {
    if (service) await killHard(service);
    await nats.dispose();
    await database.drop();
  });

  it('loses nothing, doubles nothing, and recovers without a restart', async () => {
    const { baseUrl, child } = service!;
    const pid = child.pid;
    const runIds = await prepareBurst(baseUrl, database.url, RUNS);
    const seen: Answer[] = [];
    let completed = 0;
    let backAt = 0;
    let readyAt = 0;
    const outage = (async () => {
      while (completed < RUNS / 3) await new Promise((resolve) => setTimeout(resolve, 10));
      await nats.killHard();
      await new Promise((resolve) => setTimeout(resolve, 5000));
      await nats.restart();
      backAt = Date.now();
      readyAt = await waitUntilReady(baseUrl, 30_000);
    })();
    const answers = await completeBurst(baseUrl, runIds, seen, () => void (completed += 1));
    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
    await outage;
    process.stdout.write(`drill: ready ${readyAt - backAt} ms after NATS returned\n`);
    expect(readyAt - backAt).toBeLessThanOrEqual(10_000);

    // During the outage the service answered 503 problems (or the connection was cut), never 500.
    expect(seen.filter((answer) => answer.status >= 500 && answer.status !== 503)).toEqual([]);
    for (const answer of seen.filter((candidate) => candidate.status === 503))
      expect(['dependency_unavailable', 'overloaded']).toContain(answer.body.code);

    await expectNothingLostNothingTwice(database.url, nats.url, `${prefix.toUpperCase()}_EVENTS`, RUNS);
    expect(child.exitCode).toBeNull();
    expect(child.pid).toBe(pid);
  }, 180_000);
});
