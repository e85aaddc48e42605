import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AssetExpired } from '../../src/assets/asset.events.js';
import type { StoredEvent } from '../../src/events/envelope.js';
import { freePort } from '../support/service-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { eventually } from '../support/waiting.js';
import { appendProduced, producedEnvelope, register, settle } from './materializer-fixtures.js';

/** A nats-server of this test's own (so it can be killed), keeping its JetStream store across restarts. */
function startNats(port: number, storeDir: string): ChildProcess {
  return spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], { stdio: 'ignore' });
}

async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

describe('a freshness timer across a NATS server crash', () => {
  let database: TestDatabase;
  let nats: ChildProcess;
  let t: TestApp | undefined;
  let port = 0;
  const storeDir = mkdtempSync(join(tmpdir(), 'apphub-nats-restart-'));

  beforeAll(async () => {
    database = await createTestDatabase();
    port = await freePort();
    nats = startNats(port, storeDir);
    t = await eventually(
      () => startTestApp({ NATS_URL: `nats://127.0.0.1:${port}` }, { database }).catch(() => undefined),
      (app) => app !== undefined,
      20_000,
      200,
    );
  });
  afterAll(async () => {
    await t?.close();
    await killHard(nats);
    rmSync(storeDir, { recursive: true, force: true });
    await database.drop();
  });

  it('fires a timer armed before `kill -9` of nats-server within 5 s of the server being back', async () => {
    const app = t!;
    await register(app, {
      slug: 'crash-wf',
      name: 'crash-wf',
      steps: [
        { id: 'make', jobSlug: 'outside-job', produces: [{ assetId: 'crash.timer', freshness: { ttlMs: 2000 } }] },
      ],
    });
    const produced = producedEnvelope({ assetId: 'crash.timer', workflowSlug: 'crash-wf', freshness: { ttlMs: 2000 } });
    await appendProduced(app.platform.store, produced);
    await settle(app, ['materializer']);
    await killHard(nats);
    // The timer falls due while NATS is down.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    nats = startNats(port, storeDir);
    const backAt = Date.now();
    const store = app.platform.store;
    const [expired] = await eventually(
      async () =>
        (await store.readSubject(store.subjects.asset('expired', 'crash.timer')).catch(() => [])) as Array<
          StoredEvent<string, AssetExpired>
        >,
      (events) => events.length === 1,
      45_000,
      250,
    );
    expect(expired!.data.reason).toBe('ttl');
    const dueAt = Date.parse((produced.data as { producedAt: string }).producedAt) + 2000;
    expect(Date.parse(expired!.occurredAt)).toBeGreaterThanOrEqual(dueAt);
    // Fired within 5 s of NATS being back (the timer consumer's short ack_wait brings it back after a restart).
    expect(expired!.storedAt! - Math.max(dueAt, backAt)).toBeLessThanOrEqual(5000);
  });
});
