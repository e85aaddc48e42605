import { READ_MODELS } from '../../src/assets/read-models.js';
import { ConsumerRegistry } from '../../src/projector/consumer-registry.js';
import { assetHistoryProjection } from '../../projections/asset-history/asset-history.projection.js';
import { anAssetProduced } from '../support/builders/asset-events.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { openTestNats, testPrefix } from '../support/test-nats.js';
import { eventually } from '../support/waiting.js';

const READS = 60;
const workflow = {
  slug: 'wf-history-reads',
  name: 'History reads',
  steps: [
    {
      id: 'produce',
      jobSlug: 'ext-history-reads',
      produces: [{ assetId: 'history.reads', partitioning: { type: 'static', keys: ['a', 'b'] } }],
    },
  ],
};

async function statementsOf(app: TestApp): Promise<number> {
  return (await app.platform.metrics.sqlStatements.get()).values.reduce((sum, sample) => sum + sample.value, 0);
}

/**
 * History reads woken together share a statement (issue 15). An API-only app holds 60 `?minSeq` history reads of
 * different shapes (every partition, one partition, a cursor page, limits) for the workflow's own registration;
 * no process projects until every read is parked, so nothing else can wake them. Then a projector starts, its
 * notification wakes them in one turn, and they are read in ONE statement (two at most), each answered what it is
 * answered alone. The history rows are stored beforehand by the projection itself.
 */
describe('history reads woken together', () => {
  let database: TestDatabase;
  const prefix = testPrefix();
  let api: TestApp;
  let back: TestApp | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    api = await startTestApp({ APPHUB_ROLES: 'api' }, { database, prefix });
    await api.app.get(ConsumerRegistry).positions().ready();
  });
  afterAll(async () => {
    await back?.close();
    await api.close();
    const nats = await openTestNats(prefix);
    await nats.dispose();
    await database.drop();
  });

  it(`reads ${READS} woken history pages in one statement, each as it reads alone`, async () => {
    const registered = await api.request('POST', '/workflows', { body: workflow });
    expect(registered.status).toBe(201);
    const minSeq = registered.body.meta.eventSeq as number;
    const produced = ['a', 'b', 'a'].map((partitionKey, n) =>
      anAssetProduced({
        workflowSlug: workflow.slug,
        assetId: 'history.reads',
        partitionKey,
        payload: { n },
        seq: 1000 + n,
        producedAt: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(),
      }),
    );
    await database.db.transaction().execute((tx) => assetHistoryProjection.projectBatch!(produced, tx));

    const base = `/workflows/${workflow.slug}/assets/history.reads/history`;
    const cursorOf = async () => (await api.request('GET', `${base}?limit=2`)).body.meta.nextCursor as string;
    const shapes = [
      `${base}?limit=10`,
      `${base}?limit=2`,
      `${base}?partitionKey=a&limit=10`,
      `${base}?partitionKey=b&limit=1`,
      `${base}?limit=2&cursor=${encodeURIComponent(await cursorOf())}`,
    ];
    const paths = Array.from({ length: READS }, (_, i) => `${shapes[i % shapes.length]}&minSeq=${minSeq}`);
    const positions = api.app.get(ConsumerRegistry).positions();
    const before = await statementsOf(api);
    let settled = false;
    const reads = Promise.all(paths.map((path) => api.request('GET', path))).finally(() => void (settled = true));
    await eventually(
      async () => ({ waiting: positions.waiting(READ_MODELS.history), settled }),
      (state) => state.waiting === READS || state.settled,
      15_000,
    );
    // Every read is parked (none answered early: that would be a read model ahead of a registration no process
    // projected).
    expect(settled).toBe(false);
    back = await startTestApp({ APPHUB_ROLES: 'projector,materializer' }, { database, prefix });
    const answers = await reads;
    const statements = (await statementsOf(api)) - before;

    expect(answers.map((answer) => answer.status)).toEqual(paths.map(() => 200));
    expect(statements).toBeLessThanOrEqual(2);
    for (const [i, answer] of answers.entries()) {
      const alone = await api.request('GET', paths[i]!);
      expect(answer.body).toEqual(alone.body);
    }
    const newest = answers[0]!.body.data.history.map((entry: { payload: { n: number } }) => entry.payload.n);
    expect(newest).toEqual([2, 1, 0]);
  });
});
