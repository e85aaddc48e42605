import { sql } from 'kysely';
import { createDatabase } from '../db/database-factory.js';
import { anAssetProduced } from '../../test/support/builders/asset-events.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { loadCheckpoint } from '../events/consumer-store/index.js';
import { WEBHOOK_CONSUMER, WebhookConsumer } from './webhook.consumer.js';
import { newWebhookSecret } from './webhook-signature.js';
import { insertWebhook } from './webhooks.store.js';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  expect(await loadCheckpoint(database.db, WEBHOOK_CONSUMER)).toBe(0);
});
afterAll(async () => {
  await database.drop();
});

const deliveries = async () =>
  Number((await sql<{ n: string }>`select count(*) as n from webhook_delivery`.execute(database.db)).rows[0]!.n);
const produced = (seq: number) => anAssetProduced({ assetId: 'sales.daily', seq });

/**
 * The webhook consumer's batch without a transaction block (issue 15): the subscriptions read, then the deliveries as
 * a CTE of the checkpoint's statement, all or nothing; the dispatcher woken only for a batch that made deliveries.
 */
describe('WebhookConsumer.applyAtOnce', () => {
  it('with no webhook: moves the checkpoint in one statement and does not wake the dispatcher', async () => {
    let woken = 0;
    const consumer = new WebhookConsumer(() => void (woken += 1));
    const sent: string[] = [];
    const db = createDatabase({
      connectionString: database.url,
      maxConnections: 1,
      onQuery: (e) => sent.push(e.query.sql),
    });
    try {
      const events = [produced(1), produced(2)];
      expect(await consumer.applyAtOnce(events, db, { name: WEBHOOK_CONSUMER, previous: 0, lastSeq: 2 })).toBe(true);
      consumer.afterCommit();
      expect(sent.filter((statement) => !/^\s*(select|with)/i.test(statement))).toEqual([]);
      expect(sent).toHaveLength(2);
      expect(woken).toBe(0);
      expect(await loadCheckpoint(database.db, WEBHOOK_CONSUMER)).toBe(2);
    } finally {
      await db.destroy();
    }
  });

  it('with a webhook: its deliveries land with the checkpoint, once, and a stale batch lands nothing', async () => {
    await insertWebhook(database.db, {
      id: 'wh-consumer',
      url: 'http://127.0.0.1:1/hook',
      assets: ['sales.>'],
      events: ['produced'],
      description: null,
      secret: newWebhookSecret(),
      fromSeq: 0,
      createdAt: new Date().toISOString(),
      createdBy: 'test',
    });
    let woken = 0;
    const consumer = new WebhookConsumer(() => void (woken += 1));
    const events = [produced(3), produced(4)];
    await consumer.applyAtOnce(events, database.db, { name: WEBHOOK_CONSUMER, previous: 2, lastSeq: 4 });
    consumer.afterCommit();
    expect(await deliveries()).toBe(2);
    expect(woken).toBe(1);
    // The same batch again, from the old position (a runner that lost its place): refused, nothing written.
    await expect(
      consumer.applyAtOnce([...events, produced(5)], database.db, { name: WEBHOOK_CONSUMER, previous: 2, lastSeq: 5 }),
    ).rejects.toMatchObject({ code: 'AH409' });
    expect(await deliveries()).toBe(2);
    expect(await loadCheckpoint(database.db, WEBHOOK_CONSUMER)).toBe(4);
  });
});
