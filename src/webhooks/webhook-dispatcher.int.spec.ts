import { pino } from 'pino';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { eventually } from '../../test/support/waiting.js';
import { startWebhookReceiver } from '../../test/support/webhook-receiver.js';
import { ServiceUrlPolicy } from '../jobs/service-url-policy.js';
import { retryDelayMs, WebhookDispatcher } from './webhook-dispatcher.js';
import type { WebhookMessage } from './webhook-message.js';
import { newWebhookSecret } from './webhook-signature.js';
import { insertDeliveries, insertWebhook, listDeliveries, replayDeadDeliveries } from './webhooks.store.js';

const message = (seq: number, assetId: string): WebhookMessage => ({
  id: `msg_${seq}`,
  webhookId: 'wh-1',
  eventId: `event-${seq}`,
  seq,
  assetId,
  eventType: 'asset.produced',
  body: JSON.stringify({
    type: 'asset.produced',
    timestamp: new Date().toISOString(),
    data: { assetId, eventSeq: seq },
  }),
});

describe('WebhookDispatcher (real Postgres, loopback receiver)', () => {
  let database: TestDatabase;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let dispatcher: WebhookDispatcher;

  beforeAll(async () => {
    database = await createTestDatabase();
    receiver = await startWebhookReceiver();
    const secret = newWebhookSecret();
    receiver.setSecret(secret);
    await insertWebhook(database.db, {
      id: 'wh-1',
      url: receiver.url,
      assets: ['>'],
      events: ['produced'],
      description: null,
      secret,
      fromSeq: 0,
      createdAt: new Date().toISOString(),
      createdBy: 'test',
    });
    dispatcher = new WebhookDispatcher({
      db: database.db,
      log: pino({ level: 'silent' }),
      policy: new ServiceUrlPolicy(['127.0.0.1']),
      retryBaseMs: 50,
      retryMaxMs: 100,
      maxAttempts: 3,
      pollMs: 20,
    });
  });
  afterAll(async () => {
    await dispatcher.stop();
    await receiver.close();
    await database.drop();
  });

  it('backs off exponentially up to the maximum', () => {
    expect([1, 2, 3, 4, 10].map((n) => retryDelayMs(n, 1000, 5000))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });

  it('dead-letters a delivery after maxAttempts, holds later ones of that asset meanwhile, and replays it', async () => {
    receiver.setStatus(500);
    await insertDeliveries(database.db, [message(1, 'a'), message(2, 'a'), message(3, 'b')], new Date());
    dispatcher.start();
    const dead = await eventually(
      () => listDeliveries(database.db, 'wh-1', { limit: 10 }),
      (rows) => rows.filter((row) => row.status === 'dead').length === 3,
      10_000,
    );
    expect(dead.map((row) => row.attempts)).toEqual([3, 3, 3]);
    // msg_2 waited behind msg_1 (same asset): its first attempt came after msg_1 was dead.
    const order = receiver.requests.map((r) => r.id).filter((id) => id !== 'msg_3');
    expect(order.indexOf('msg_2')).toBe(3);
    expect(receiver.requests.every((r) => r.verified)).toBe(true);

    receiver.setStatus(204);
    expect((await replayDeadDeliveries(database.db, 'wh-1', ['msg_1', 'msg_2'])).sort()).toEqual(['msg_1', 'msg_2']);
    const after = await eventually(
      () => listDeliveries(database.db, 'wh-1', { limit: 10 }),
      (rows) => rows.filter((row) => row.status === 'delivered').length === 2,
      10_000,
    );
    expect(after.find((row) => row.id === 'msg_3')?.status).toBe('dead');
    expect(receiver.accepted().map((r) => r.id)).toEqual(['msg_1', 'msg_2']);
  });
});
