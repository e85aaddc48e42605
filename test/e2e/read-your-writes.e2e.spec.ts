import pg from 'pg';
import { ConsumerRegistry } from '../../src/projector/consumer-registry.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { openTestNats, testPrefix } from '../support/test-nats.js';
import { eventually } from '../support/waiting.js';

const WAITERS = 1000;

/** SQL statements the app ran through its pool (the Kysely log hook feeds this counter). */
async function statementsOf(app: TestApp): Promise<number> {
  return (await app.platform.metrics.sqlStatements.get()).values.reduce((sum, sample) => sum + sample.value, 0);
}

function workflow(slug: string) {
  return {
    slug,
    name: slug,
    steps: [{ id: 'load', jobSlug: 'ryw-job', produces: [{ assetId: `ryw.${slug}` }] }],
  };
}

/**
 * Read-your-writes across processes: an API-only app (no projector) waits on `?minSeq` while another app, with its
 * own connections, projects. Waiters are woken by the checkpoint's notification, never by polling: 1,000 concurrent
 * waiters cost the API app no query at all, the same as one.
 */
describe('?minSeq waiters in a process without the projector', () => {
  let database: TestDatabase;
  const prefix = testPrefix();
  let api: TestApp;
  let projector: TestApp | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    api = await startTestApp({ APPHUB_ROLES: 'api' }, { database, prefix });
    await api.app.get(ConsumerRegistry).positions().ready();
  });
  afterEach(async () => {
    await projector?.close();
    projector = undefined;
  });
  afterAll(async () => {
    await api.close();
    const nats = await openTestNats(prefix);
    await nats.dispose();
    await database.drop();
  });

  async function writeAndWait(slug: string, waiters: number) {
    const written = await api.request('POST', '/workflows', { body: workflow(slug) });
    expect(written.status).toBe(201);
    const seq = written.body.meta.eventSeq as number;
    const registry = api.app.get(ConsumerRegistry);
    const before = await statementsOf(api);
    const catchUpsBefore = registry.positions().catchUpReads;
    let woken = 0;
    const waiting = Promise.all(
      Array.from({ length: waiters }, () =>
        registry.waitFor('workflow_definitions', seq, 30_000).then(() => void (woken += 1)),
      ),
    );
    // The read model is not there yet: nobody may be woken, and waiting costs nothing.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(woken).toBe(0);
    projector = await startTestApp({ APPHUB_ROLES: 'projector' }, { database, prefix });
    await waiting;
    expect(woken).toBe(waiters);
    return {
      queries: (await statementsOf(api)) - before,
      catchUps: registry.positions().catchUpReads - catchUpsBefore,
      seq,
    };
  }

  it(`wakes ${WAITERS} concurrent waiters with no query, as it does one`, async () => {
    const one = await writeAndWait('ryw-one', 1);
    await projector!.close();
    projector = undefined;
    const many = await writeAndWait('ryw-many', WAITERS);
    expect(one).toMatchObject({ queries: 0, catchUps: 0 });
    expect(many).toMatchObject({ queries: 0, catchUps: 0 });
    // The HTTP read with ?minSeq answers at once now (the position is known in this process).
    const read = await api.request('GET', `/workflows/ryw-many/assets?minSeq=${many.seq}`);
    expect(read.status).toBe(200);
  });

  it('catches up after its listening connection is cut (positions read once on reconnect)', async () => {
    const registry = api.app.get(ConsumerRegistry);
    const positions = registry.positions();
    const catchUpsBefore = positions.catchUpReads;
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const written = await api.request('POST', '/workflows', { body: workflow('ryw-cut') });
      const seq = written.body.meta.eventSeq as number;
      const waiting = registry.waitFor('workflow_definitions', seq, 30_000);
      // Cut the listener, then project while it is reconnecting: the notification is missed, the catch-up read
      // must find the position.
      await admin.query(
        `select pg_terminate_backend(pid) from pg_stat_activity
         where application_name = 'apphub-read-model-positions' and datname = current_database()`,
      );
      projector = await startTestApp({ APPHUB_ROLES: 'projector' }, { database, prefix });
      await waiting;
      await eventually(
        async () => positions.catchUpReads - catchUpsBefore,
        (reads) => reads >= 1,
        10_000,
      );
      expect(positions.position('workflow_definitions')).toBeGreaterThanOrEqual(seq);
    } finally {
      await admin.end();
    }
  });
});
