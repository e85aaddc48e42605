import {
  deliveriesResponseSchema,
  webhookCreatedResponseSchema,
  webhookListResponseSchema,
} from '../../src/webhooks/webhooks.http-schemas.js';
import { schemaErrors } from '../support/openapi-schema-check.js';
import { runDriver } from '../support/run-driver.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { openTestNats, testPrefix } from '../support/test-nats.js';
import { RUNNER_TOKEN, startTestApp, WRITER_TOKEN, type TestApp } from '../support/test-app.js';
import { eventually } from '../support/waiting.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

const workflow = {
  slug: 'wf-hooks',
  name: 'Webhooks',
  steps: [
    {
      id: 'produce',
      jobSlug: 'ext-hooks',
      produces: [{ assetId: 'hook.a' }, { assetId: 'hook.b' }, { assetId: 'other.x' }],
    },
  ],
};

const env = {
  APPHUB_SERVICE_URL_ALLOWLIST: '127.0.0.1',
  APPHUB_WEBHOOK_RETRY_BASE_MS: '200',
  APPHUB_WEBHOOK_RETRY_MAX_MS: '1000',
  APPHUB_WEBHOOK_MAX_ATTEMPTS: '100',
};

describe('webhooks: signed deliveries from the stream, at least once, in order per asset', () => {
  let t: TestApp;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let webhookId: string;
  let database: TestDatabase;
  const prefix = testPrefix();
  const produce = async () => {
    const { runId } = await runDriver(t).run('wf-hooks', {}, [
      {
        stepId: 'produce',
        assets: [
          { assetId: 'hook.a', payload: { n: 1 } },
          { assetId: 'hook.b', payload: { n: 2 } },
          { assetId: 'other.x', payload: { n: 3 } },
        ],
      },
    ]);
    return runId;
  };
  const deliveries = async (query = '') =>
    (await t.request('GET', `/webhooks/${webhookId}/deliveries${query}`, { token: WRITER_TOKEN })).body.data as Array<{
      id: string;
      status: string;
      attempts: number;
      eventSeq: number;
      assetId: string;
      eventType: string;
    }>;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    database = await createTestDatabase();
    t = await startTestApp(env, { database, prefix });
    expect((await t.request('POST', '/workflows', { body: workflow, token: WRITER_TOKEN })).status).toBe(201);
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
    await (await openTestNats(prefix)).dispose();
    await database.drop();
  });

  it('registers a webhook (workflows:write), answering its secret once', async () => {
    expect((await t.request('POST', '/webhooks', { body: {}, token: RUNNER_TOKEN })).status).toBe(403);
    const invalid = await t.request('POST', '/webhooks', {
      body: { url: 'http://10.1.2.3/x', assets: ['hook..a', 'ok.>'], events: ['produced'] },
      token: WRITER_TOKEN,
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe('invalid_webhook');
    expect(invalid.body.errors.map((e: { path: string }) => e.path)).toEqual(['/assets/0', '/url']);
    expect(
      (
        await t.request('POST', '/webhooks', {
          body: { url: receiver.url, assets: ['hook.>'], events: ['checked'] },
          token: WRITER_TOKEN,
        })
      ).status,
    ).toBe(400);

    const created = await t.request('POST', '/webhooks', {
      body: { url: receiver.url, assets: ['hook.>'], events: ['produced', 'stale-marked'] },
      token: WRITER_TOKEN,
    });
    expect(created.status).toBe(201);
    expect(created.body.data.secret).toMatch(/^whsec_/);
    expect(schemaErrors(webhookCreatedResponseSchema, created.body)).toEqual([]);
    webhookId = created.body.data.id;
    receiver.setSecret(created.body.data.secret);
    const listed = await t.request('GET', '/webhooks', { token: WRITER_TOKEN });
    expect(listed.body.data).toEqual([expect.objectContaining({ id: webhookId, assets: ['hook.>'] })]);
    expect(listed.body.data[0].secret).toBeUndefined();
    expect(schemaErrors(webhookListResponseSchema, listed.body)).toEqual([]);
  });

  it('delivers every matching event once, through a receiver answering 500 for a while and a service restart', async () => {
    receiver.setStatus(500);
    await produce();
    await produce();
    const marked = await t.request('POST', '/workflows/wf-hooks/assets/hook.a/stale', {
      body: { note: 'check' },
      token: RUNNER_TOKEN,
    });
    expect(marked.status).toBe(201);
    // Five deliveries (hook.a ×2, hook.b ×2, the stale mark) once the consumer passed the mark; refused at least twice.
    expect(await deliveries(`?minSeq=${marked.body.meta.eventSeq}`)).toHaveLength(5);
    await eventually(
      () => deliveries(),
      (rows) => rows.length === 5 && rows.some((row) => row.attempts >= 2),
      20_000,
    );
    expect(receiver.accepted()).toEqual([]);

    await t.close();
    t = await startTestApp(env, { database, prefix });
    receiver.setStatus(204);
    await produce();

    const all = await eventually(
      () => deliveries(),
      (rows) => rows.length === 7 && rows.every((row) => row.status === 'delivered'),
      30_000,
    );
    const page = await t.request('GET', `/webhooks/${webhookId}/deliveries?limit=3`, { token: WRITER_TOKEN });
    expect(schemaErrors(deliveriesResponseSchema, page.body)).toEqual([]);
    expect(page.body.meta.nextBeforeSeq).toBe(page.body.data[2].eventSeq);
    const accepted = receiver.accepted();
    expect(receiver.requests.every((r) => r.verified)).toBe(true);
    expect(accepted.map((r) => r.id).sort()).toEqual(all.map((row) => row.id).sort());
    expect(new Set(accepted.map((r) => r.id)).size).toBe(accepted.length);
    expect(accepted.every((r) => r.body.data.assetId.startsWith('hook.'))).toBe(true);
    expect(accepted.map((r) => r.body.type).sort()).toEqual([...Array(6).fill('asset.produced'), 'asset.stale.marked']);
    for (const assetId of ['hook.a', 'hook.b']) {
      const seqs = accepted.filter((r) => r.body.data.assetId === assetId).map((r) => r.body.data.eventSeq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
    expect(all.filter((row) => row.attempts > 1).length).toBeGreaterThan(0);
  });

  it('stops delivering to a deleted webhook and answers 404 for it afterwards', async () => {
    expect((await t.request('DELETE', `/webhooks/${webhookId}`, { token: WRITER_TOKEN })).status).toBe(204);
    expect((await t.request('DELETE', `/webhooks/${webhookId}`, { token: WRITER_TOKEN })).status).toBe(404);
    expect((await t.request('GET', `/webhooks/${webhookId}/deliveries`, { token: WRITER_TOKEN })).status).toBe(404);
  });
});
