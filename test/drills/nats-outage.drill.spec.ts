import { NATS_GRACE_MS } from '../../src/http/health.controller.js';
import { startServiceProcess, killHard, type ServiceProcess } from '../support/service-process.js';
import { PrivateNats } from '../support/private-services.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { testPrefix } from '../support/test-nats.js';
import {
  call,
  completeBurst,
  expectNothingLostNothingTwice,
  prepareBurst,
  waitUntilReady,
  type Answer,
} from './drill-client.js';

const RUNS = 300;

/**
 * Drill (issue 8): `kill -9` of nats-server in the middle of a burst of 300 completions, back after 13 s. Every run
 * succeeds exactly once, history holds 300 distinct materializations, the stream holds no id twice, readiness stays
 * on for the NATS grace and goes off after it, and the same process becomes ready again by itself within 10 s of
 * NATS returning.
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
    const readiness: Array<{ afterMs: number; status: number }> = [];
    const outage = (async () => {
      while (completed < RUNS / 3) await new Promise((resolve) => setTimeout(resolve, 10));
      await nats.killHard();
      const killedAt = Date.now();
      // Longer than the readiness grace for NATS trouble (NATS_GRACE_MS), polled throughout.
      while (Date.now() - killedAt < NATS_GRACE_MS + 3000) {
        const answer = await call(baseUrl, 'GET', '/health/ready');
        readiness.push({ afterMs: Date.now() - killedAt, status: answer.status });
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      await nats.restart();
      backAt = Date.now();
      readyAt = await waitUntilReady(baseUrl, 30_000);
    })();
    const answers = await completeBurst(baseUrl, runIds, seen, () => void (completed += 1));
    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
    await outage;
    const notReadyAfterMs = readiness.find((poll) => poll.status !== 200)?.afterMs ?? null;
    process.stdout.write(
      `drill: not ready ${notReadyAfterMs} ms after NATS went, ready ${readyAt - backAt} ms after NATS returned\n`,
    );
    expect(readyAt - backAt).toBeLessThanOrEqual(10_000);
    // Readiness stays on through a few seconds of NATS trouble (a cluster's election looks the same from here), and
    // goes off once it lasts longer than the grace.
    expect(readiness.filter((poll) => poll.afterMs < NATS_GRACE_MS - 1000 && poll.status !== 200)).toEqual([]);
    expect(readiness.filter((poll) => poll.afterMs > NATS_GRACE_MS + 1500).map((poll) => poll.status)).toContain(503);

    // During the outage the service answered 503 problems (or the connection was cut), never 500.
    expect(seen.filter((answer) => answer.status >= 500 && answer.status !== 503)).toEqual([]);
    for (const answer of seen.filter((candidate) => candidate.status === 503))
      expect(['dependency_unavailable', 'overloaded']).toContain(answer.body.code);

    await expectNothingLostNothingTwice(database.url, nats.url, `${prefix.toUpperCase()}_EVENTS`, RUNS);
    expect(child.exitCode).toBeNull();
    expect(child.pid).toBe(pid);
  }, 180_000);
});
