import type { AssetExpired } from '../../src/assets/asset.events.js';
import type { StoredEvent } from '../../src/events/envelope.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { RUNNER_TOKEN, startTestApp, type TestApp } from '../support/test-app.js';
import { openTestNats, testPrefix } from '../support/test-nats.js';
import { eventually } from '../support/waiting.js';
import {
  appendProduced,
  countAutoRuns,
  pairOfWorkflows,
  producedEnvelope,
  register,
  settle,
} from './materializer-fixtures.js';

const FAST_BACKOFF = { ASSET_MATERIALIZER_BASE_BACKOFF_MS: '1000', ASSET_MATERIALIZER_MAX_BACKOFF_MS: '1000' };
const producer = (slug: string, assetId: string, ttlMs: number) => ({
  slug,
  name: slug,
  steps: [
    {
      id: 'make',
      jobSlug: 'outside-job',
      produces: [{ assetId, freshness: { ttlMs }, autoMaterialize: { priority: 1 } }],
    },
  ],
});
const autoRuns = (t: TestApp, slug: string) =>
  t.request('GET', `/workflows/${slug}/auto-materialize`, { token: null }).then((r) => r.body.data.runs);
const expiredEvents = async (t: TestApp, assetId: string) => {
  const store = t.platform.store;
  return (await store.readSubject(store.subjects.asset('expired', assetId))) as Array<
    StoredEvent<string, AssetExpired>
  >;
};

describe('materializer timers', () => {
  let database: TestDatabase;
  let prefix: string;
  let t: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    prefix = testPrefix();
    t = await startTestApp(FAST_BACKOFF, { database, prefix });
  });
  afterAll(async () => {
    await t.close();
    await (await openTestNats(prefix)).dispose();
    await database.drop();
  });

  it('appends asset.expired no earlier than producedAt + ttlMs and re-runs the producer for it', async () => {
    await register(t, producer('ttl-wf', 'ttl.asset', 1000));
    const produced = producedEnvelope({ assetId: 'ttl.asset', workflowSlug: 'ttl-wf', freshness: { ttlMs: 1000 } });
    await appendProduced(t.platform.store, produced);
    const [expired] = await eventually(
      () => expiredEvents(t, 'ttl.asset'),
      (events) => events.length === 1,
    );
    const expiresAt = Date.parse((produced.data as { producedAt: string }).producedAt) + 1000;
    expect(expired!.data).toMatchObject({
      reason: 'ttl',
      producedEventId: produced.id,
      expiresAt: new Date(expiresAt).toISOString(),
    });
    expect(Date.parse(expired!.occurredAt)).toBeGreaterThanOrEqual(expiresAt);
    const [run] = await eventually(
      () => autoRuns(t, 'ttl-wf'),
      (runs) => runs.length === 1,
    );
    expect(run.trigger).toMatchObject({
      type: 'auto-materialize',
      reason: 'expiry',
      assetId: 'ttl.asset',
      expiry: { reason: 'ttl' },
    });
  });

  it('lets no timer fire for a materialization that was replaced', async () => {
    await register(t, producer('newer-wf', 'newer.asset', 1500));
    await appendProduced(
      t.platform.store,
      producedEnvelope({ assetId: 'newer.asset', workflowSlug: 'newer-wf', freshness: { ttlMs: 1500 } }),
    );
    await settle(t, ['materializer']);
    const newer = producedEnvelope({ assetId: 'newer.asset', workflowSlug: 'newer-wf', freshness: { ttlMs: 60_000 } });
    await appendProduced(t.platform.store, newer);
    await settle(t, ['materializer']);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await expiredEvents(t, 'newer.asset')).toEqual([]);
  });

  it('defers a trigger during the backoff after a failed auto run and runs it when the backoff timer fires', async () => {
    const pair = pairOfWorkflows('flaky');
    await register(t, pair.upstream);
    await register(t, pair.downstream);
    await appendProduced(t.platform.store, producedEnvelope({ assetId: 'flaky.up', workflowSlug: 'flaky-up' }));
    const [first] = await eventually(
      () => autoRuns(t, 'flaky-down'),
      (runs) => runs.length === 1 && runs[0].steps[0].status === 'running',
    );
    await t.request('POST', `/workflow-runs/${first.id}/steps/down/complete`, {
      body: { status: 'failed', error: 'boom' },
      token: RUNNER_TOKEN,
    });
    await eventually(
      () => t.request('GET', '/workflows/flaky-down/auto-materialize', { token: null }),
      (r) => r.body.data.backoff[0]?.failures === 1,
    );
    await appendProduced(t.platform.store, producedEnvelope({ assetId: 'flaky.up', workflowSlug: 'flaky-up' }));
    const view = await eventually(
      () => t.request('GET', '/workflows/flaky-down/auto-materialize?outcome=deferred-backoff', { token: null }),
      (r) => r.body.data.decisions.length === 1,
    );
    expect(view.body.data.decisions[0]).toMatchObject({ outcome: 'deferred-backoff', reason: 'backoff' });
    await eventually(
      () => countAutoRuns(t.platform.db, 'flaky-down'),
      (n) => n === 2,
      10_000,
    );
  });

  it('fires a timer armed before a restart after it (same database and prefix)', async () => {
    await register(t, producer('restart-wf', 'restart.asset', 4000));
    const produced = producedEnvelope({
      assetId: 'restart.asset',
      workflowSlug: 'restart-wf',
      freshness: { ttlMs: 4000 },
    });
    await appendProduced(t.platform.store, produced);
    await settle(t, ['materializer']);
    await t.close();
    t = await startTestApp(FAST_BACKOFF, { database, prefix });
    const [expired] = await eventually(
      () => expiredEvents(t, 'restart.asset'),
      (events) => events.length === 1,
      15_000,
    );
    expect(Date.parse(expired!.occurredAt)).toBeGreaterThanOrEqual(
      Date.parse((produced.data as { producedAt: string }).producedAt) + 4000,
    );
    await eventually(
      () => autoRuns(t, 'restart-wf'),
      (runs) => runs.length === 1,
      10_000,
    );
  });
});
