import { discardDeadLetters } from '../../src/operations/dead-letter-discard.js';
import { replayDeadLetters } from '../../src/operations/dead-letters.js';
import { READER_TOKEN, startTestApp, WRITER_TOKEN, type TestApp } from '../support/test-app.js';
import { runDriver } from '../support/run-driver.js';
import { eventually } from '../support/waiting.js';

describe('dead letters: listed over HTTP, counted in /metrics, replayed after a fix', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists a message that is not an event for every consumer that met it (scope workflows:write)', async () => {
    await t.platform.nats.js.publish(`${t.prefix}.asset.produced.garbage`, '{"not":"an envelope"}');
    const listed = await eventually(
      () => t.request('GET', '/admin/dead-letters?consumer=read_models', { token: WRITER_TOKEN }),
      (response) => response.status === 200 && response.body.data.deadLetters.length === 1,
    );
    expect(listed.body.data.deadLetters[0]).toMatchObject({
      consumer: 'read_models',
      subject: `${t.prefix}.asset.produced.garbage`,
      eventId: null,
    });
    expect(listed.body.meta.nextCursor).toBeNull();
    expect((await t.request('GET', '/admin/dead-letters', { token: null })).status).toBe(401);
    expect((await t.request('GET', '/admin/dead-letters', { token: READER_TOKEN })).status).toBe(403);
    expect((await t.request('GET', '/admin/dead-letters?limit=0', { token: WRITER_TOKEN })).status).toBe(400);
    const metrics = await t.request('GET', '/metrics', { token: null });
    expect(metrics.body).toMatch(/apphub_dead_letters\{consumer="read_models"\} 1/);
    // Consumers without dead letters have a 0 series (alert rules see 0, not "no data").
    expect(metrics.body).toMatch(/apphub_dead_letters\{consumer="asset_history"\} 0/);
    expect(metrics.body).toMatch(/apphub_consumer_failures_total\{consumer="materializer",kind="other"\} 0/);
    expect(metrics.body).toMatch(/apphub_http_requests_shed_total\{reason="inflight"\} 0/);
    // A process manager's dead letter cannot be replayed, but it can be discarded (recorded) and its count goes to 0.
    await eventually(
      () => t.request('GET', '/metrics', { token: null }),
      (response) => /apphub_dead_letters\{consumer="materializer"\} 1/.test(response.body),
    );
    await expect(replayDeadLetters(t.platform.db, t.platform.store, 'materializer')).rejects.toMatchObject({
      code: 'invalid_request',
    });
    const discarded = await discardDeadLetters(t.platform.db, 'materializer', [], { by: 'e2e', reason: 'garbage' });
    expect(discarded).toEqual({ discarded: [expect.any(Number)], notFound: [] });
    const again = await discardDeadLetters(t.platform.db, 'materializer', discarded.discarded, {
      by: 'e2e',
      reason: 'garbage',
    });
    expect(again).toEqual({ discarded: [], notFound: discarded.discarded });
    await expect(
      discardDeadLetters(t.platform.db, 'materializer', [], { by: 'e2e', reason: ' ' }),
    ).rejects.toMatchObject({ code: 'invalid_request' });
    const after = await t.request('GET', '/metrics', { token: null });
    expect(after.body).toMatch(/apphub_dead_letters\{consumer="materializer"\} 0/);
  });

  it('replays a dead-lettered event into the read model and removes the dead letter', async () => {
    await t.request('POST', '/workflows', {
      body: {
        slug: 'dl',
        name: 'DL',
        steps: [{ id: 's', jobSlug: 'external-job', produces: [{ assetId: 'dl.out' }] }],
      },
      token: WRITER_TOKEN,
    });
    const driver = runDriver(t);
    const { runId } = await driver.run('dl', {}, [{ stepId: 's', assets: [{ assetId: 'dl.out', payload: { n: 1 } }] }]);
    const seq = await driver.waitForMaterialization('dl', 'dl.out', runId);
    // As if the projection had refused it: the row is missing and the event sits in the dead letters.
    const db = t.platform.db;
    const row = await db
      .selectFrom('asset_materialization')
      .select(['event_id'])
      .where('seq', '=', seq)
      .executeTakeFirstOrThrow();
    await db.deleteFrom('asset_materialization').where('seq', '=', seq).execute();
    await db
      .insertInto('projection_dead_letter')
      .values({
        projection: 'asset_history',
        seq,
        subject: 'x',
        event_id: row.event_id,
        event_type: 'asset.produced',
        error: 'boom',
        body: '{}',
      })
      .execute();
    const result = await replayDeadLetters(db, t.platform.store, 'asset_history');
    expect(result).toEqual({ replayed: [seq], stillFailing: [], notFound: [] });
    expect(
      await db.selectFrom('asset_materialization').select('seq').where('seq', '=', seq).executeTakeFirst(),
    ).toEqual({ seq });
    expect(
      await db.selectFrom('projection_dead_letter').select('id').where('projection', '=', 'asset_history').execute(),
    ).toEqual([]);
    await expect(replayDeadLetters(db, t.platform.store, 'run_executor')).rejects.toMatchObject({
      code: 'invalid_request',
    });
  });
});
