import { ConsumerRegistry } from '../../src/projector/consumer-registry.js';
import { READ_MODELS } from '../../src/assets/read-models.js';
import { runDriver } from '../support/run-driver.js';
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
 * History reads woken together share a statement (issue 15): an API-only app holds 60 `?minSeq` history reads of
 * different shapes (every partition, one partition, a cursor page, limits) until another app projects the event they
 * wait for; the notification wakes them in one turn and they are read in ONE statement (two at most), each answered
 * what it is answered alone.
 */
describe('history reads woken together', () => {
  let database: TestDatabase;
  const prefix = testPrefix();
  let api: TestApp;
  let back: TestApp | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    api = await startTestApp({ APPHUB_ROLES: 'api' }, { database, prefix });
    back = await startTestApp({ APPHUB_ROLES: 'projector,materializer' }, { database, prefix });
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
    expect((await api.request('POST', '/workflows', { body: workflow })).status).toBe(201);
    const driver = runDriver(api);
    for (const [n, key] of ['a', 'b', 'a'].entries())
      await driver.run(workflow.slug, { partitionKey: key }, [
        { stepId: 'produce', assets: [{ assetId: 'history.reads', payload: { n } }] },
      ]);
    // The read models stop; a fact that changes no history is recorded meanwhile, and the reads wait for it.
    await back!.close();
    back = undefined;
    const other = await api.request('POST', '/workflows', { body: { ...workflow, slug: 'wf-history-other' } });
    expect(other.status).toBe(201);
    const minSeq = other.body.meta.eventSeq as number;

    const base = `/workflows/${workflow.slug}/assets/history.reads/history`;
    const first = await api.request('GET', `${base}?limit=2`);
    const shapes = [
      `${base}?limit=10`,
      `${base}?limit=2`,
      `${base}?partitionKey=a&limit=10`,
      `${base}?partitionKey=b&limit=1`,
      `${base}?limit=2&cursor=${encodeURIComponent(first.body.meta.nextCursor as string)}`,
    ];
    const paths = Array.from({ length: READS }, (_, i) => `${shapes[i % shapes.length]}&minSeq=${minSeq}`);
    const positions = api.app.get(ConsumerRegistry).positions();
    const before = await statementsOf(api);
    const reads = Promise.all(paths.map((path) => api.request('GET', path)));
    await eventually(
      async () => positions.waiting(READ_MODELS.history),
      (waiting) => waiting === READS,
      15_000,
    );
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
