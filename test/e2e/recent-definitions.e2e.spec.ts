import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { openTestNats, testPrefix } from '../support/test-nats.js';

function workflow(produces: Array<Record<string, unknown>>) {
  return { slug: 'recent-defs', name: 'recent definitions', steps: [{ id: 'load', jobSlug: 'recent-job', produces }] };
}

/**
 * Asset reads reuse a workflow definition for up to a second (`RecentDefinitions`). A change made through another
 * instance a moment ago must never be the reason a read is refused: an added asset is found, a partition key the
 * new definition accepts is accepted, a workflow registered there is found here.
 */
describe('asset reads on a definition changed through another instance', () => {
  let database: TestDatabase;
  const prefix = testPrefix();
  let reader: TestApp;
  let writer: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    reader = await startTestApp({ APPHUB_ROLES: 'api' }, { database, prefix });
    writer = await startTestApp({ APPHUB_ROLES: 'api' }, { database, prefix });
  });
  afterAll(async () => {
    await reader.close();
    await writer.close();
    const nats = await openTestNats(prefix);
    await nats.dispose();
    await database.drop();
  });

  it('finds a just-registered workflow, a just-added asset and a just-partitioned asset at once', async () => {
    const history = (assetId: string, query = '') =>
      reader.request('GET', `/workflows/recent-defs/assets/${assetId}/history${query}`);
    expect((await history('recent.a')).status).toBe(404);
    expect((await writer.request('POST', '/workflows', { body: workflow([{ assetId: 'recent.a' }]) })).status).toBe(
      201,
    );
    // Registered through the other instance a moment ago: found.
    expect((await history('recent.a')).status).toBe(200);
    // This instance now holds that definition; an asset added there is still found here, at once.
    const added = workflow([{ assetId: 'recent.a' }, { assetId: 'recent.b' }]);
    expect((await writer.request('PUT', '/workflows/recent-defs', { body: added })).status).toBe(200);
    const b = await history('recent.b');
    expect(b.status).toBe(200);
    expect(b.body.data.history).toEqual([]);
    // `recent.a` becomes partitioned: a key the new definition accepts is accepted here at once.
    const partitioned = workflow([
      { assetId: 'recent.a', partitioning: { type: 'static', keys: ['eu', 'us'] } },
      { assetId: 'recent.b' },
    ]);
    expect((await writer.request('PUT', '/workflows/recent-defs', { body: partitioned })).status).toBe(200);
    const eu = await history('recent.a', '?partitionKey=eu');
    expect(eu.status).toBe(200);
    expect(eu.body.data.partitionKey).toBe('eu');
    const partitions = await reader.request('GET', '/workflows/recent-defs/assets/recent.a/partitions');
    expect(partitions.status).toBe(200);
    expect(partitions.body.data.partitioning).toMatchObject({ type: 'static', keys: ['eu', 'us'] });
    // A key no definition accepts is still refused, with the field's path.
    const bad = await history('recent.a', '?partitionKey=mars');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('query/partitionKey');
  });
});
