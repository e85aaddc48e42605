import { EventFeed } from '../../src/events/event-feed.js';
import { openSse, type SseConnection, type SseEvent } from '../support/sse-client.js';
import { READER_TOKEN, RUNNER_TOKEN, startTestApp, WRITER_TOKEN, type TestApp } from '../support/test-app.js';
import { eventually } from '../support/waiting.js';

const workflow = (slug: string) => ({
  slug,
  name: `Live ${slug}`,
  steps: [
    {
      id: 'produce',
      jobSlug: 'ext-live-events',
      produces: [{ assetId: `live.${slug}`, partitioning: { type: 'static', keys: ['k1', 'k2', 'k3'] } }],
    },
  ],
});

describe('GET /events: live domain events as server-sent events', () => {
  let t: TestApp;
  const open: SseConnection[] = [];
  const sse = async (query = '', headers: Record<string, string> = {}, app = t) => {
    const connection = await openSse(`${app.baseUrl}/events${query}`, headers);
    open.push(connection);
    return connection;
  };
  /** Appends one `asset.stale.marked` event; returns its sequence. */
  const markStale = async (slug: string, partitionKey: string) => {
    const response = await t.request('POST', `/workflows/${slug}/assets/live.${slug}/stale`, {
      body: { partitionKey },
      token: RUNNER_TOKEN,
    });
    expect(response.status).toBe(201);
    return response.body.meta.eventSeq as number;
  };
  const register = async (slug: string) => {
    const response = await t.request('POST', '/workflows', { body: workflow(slug), token: WRITER_TOKEN });
    expect(response.status).toBe(201);
    return response.body.meta.eventSeq as number;
  };
  const ids = (events: SseEvent[]) => events.map((event) => Number(event.id));

  beforeAll(async () => {
    t = await startTestApp();
    await register('a');
  });
  afterEach(() => {
    for (const connection of open.splice(0)) connection.close();
  });
  afterAll(async () => {
    await t.close();
  });

  it('starts with a ready event at the current position, then streams each event: id = sequence, event = type, data = envelope', async () => {
    const lastSeq = await t.platform.store.lastSequence();
    const stream = await sse();
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.headers.get('cache-control')).toMatch(/no-cache/);
    const [ready] = await stream.waitFor(1);
    expect(ready).toEqual({
      id: String(lastSeq),
      event: 'ready',
      data: JSON.stringify({ lastEventId: lastSeq, subjects: '>' }),
    });
    const seq = await markStale('a', 'k1');
    const [, marked] = await stream.waitFor(2);
    expect(marked!.id).toBe(String(seq));
    expect(marked!.event).toBe('asset.stale.marked');
    const envelope = JSON.parse(marked!.data);
    expect(envelope).toMatchObject({
      type: 'asset.stale.marked',
      schemaVersion: 1,
      data: { assetId: 'live.a', partitionKey: 'k1', workflowSlug: 'a' },
      metadata: { actor: 'runner' },
    });
    const stored = await t.platform.store.readLast(t.platform.nats.subjects.asset('stale-marked', 'live.a'));
    expect(envelope.id).toBe(stored!.id);
    expect(stream.comments).toContain('connected');
  });

  it('filters by a NATS wildcard below the prefix', async () => {
    const assets = await sse('?subjects=asset.>');
    const definitions = await sse(`?subjects=${encodeURIComponent('workflow.definition.updated.*')}`);
    const oneAsset = await sse(`?subjects=${encodeURIComponent('asset.*.live.b')}`);
    await Promise.all([assets.waitFor(1), definitions.waitFor(1), oneAsset.waitFor(1)]);
    const registered = await register('b');
    await markStale('a', 'k2');
    const marked = await markStale('b', 'k1');
    // Events arrive in stream order, so once the last one is in, any event the filter let through is in too.
    expect(ids((await assets.waitFor(3)).slice(1))).toEqual([marked - 1, marked]);
    expect(assets.events.slice(1).map((event) => event.event)).toEqual(['asset.stale.marked', 'asset.stale.marked']);
    expect(ids((await oneAsset.waitFor(2)).slice(1))).toEqual([marked]);
    const [, definition] = await definitions.waitFor(2);
    expect(definition).toMatchObject({ id: String(registered), event: 'workflow.definition.updated' });
    await markStale('b', 'k2');
    // Each stream is its own consumer: wait on each one, then nothing else may have slipped through.
    await assets.waitFor(4);
    await oneAsset.waitFor(3);
    expect(definitions.events).toHaveLength(2);
    expect(oneAsset.events).toHaveLength(3);
  });

  it('resumes exactly after Last-Event-ID (header or lastEventId query): nothing missed, nothing repeated', async () => {
    const first = await sse();
    await first.waitFor(1);
    await markStale('a', 'k1');
    await markStale('a', 'k2');
    const seen = await first.waitFor(3);
    const lastSeen = seen[2]!.id!;
    first.close();
    // While the client is away, more events are appended.
    for (const key of ['k3', 'k1', 'k2']) await markStale('a', key);
    const end = await t.platform.store.lastSequence();
    const expected = Array.from({ length: end - Number(lastSeen) }, (_, i) => Number(lastSeen) + 1 + i);
    expect(expected).toHaveLength(3);
    for (const resumed of [await sse('', { 'Last-Event-ID': lastSeen }), await sse(`?lastEventId=${lastSeen}`)]) {
      const [ready, ...events] = await resumed.waitFor(1 + expected.length);
      expect(ready).toMatchObject({ event: 'ready', id: lastSeen });
      expect(ids(events)).toEqual(expected);
      expect(events.every((event) => event.event === 'asset.stale.marked')).toBe(true);
    }
    // Resuming from the ready event's own id (nothing matched yet) also loses nothing.
    const quiet = await sse('?subjects=asset.>');
    const [ready] = await quiet.waitFor(1);
    quiet.close();
    const missed = await markStale('a', 'k3');
    const again = await sse('?subjects=asset.>', { 'Last-Event-ID': ready!.id! });
    expect(ids((await again.waitFor(2)).slice(1))).toEqual([missed]);
  });

  it('answers a bad filter or Last-Event-ID with a problem document', async () => {
    const badFilter = await sse(`?subjects=${encodeURIComponent('asset..produced')}`);
    expect(badFilter.status).toBe(400);
    expect(badFilter.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(badFilter.body).toMatchObject({ code: 'invalid_query', errors: [{ path: '/subjects' }] });
    expect((await sse('?subjects=asset.>.x')).status).toBe(400);
    expect((await sse('?subjects=')).status).toBe(400);
    expect((await sse('?unknown=1')).body).toMatchObject({ code: 'invalid_query' });
    const notSequence = await sse('', { 'Last-Event-ID': 'abc' });
    expect(notSequence.body).toMatchObject({ status: 400, code: 'invalid_request' });
    const last = await t.platform.store.lastSequence();
    const beyond = await sse('', { 'Last-Event-ID': String(last + 1000) });
    expect(beyond.body).toMatchObject({ status: 400, code: 'invalid_last_event_id', lastSeq: last });
  });

  it('serves all its streams from one NATS consumer, deleted when the last client goes away', async () => {
    const feed = t.app.get(EventFeed);
    await eventually(
      () => feed.openConsumers(),
      (names) => names.length === 0,
    );
    const streams = [await sse(), await sse('?subjects=asset.>'), await sse('?subjects=run.>')];
    await Promise.all(streams.map((stream) => stream.waitFor(1)));
    expect(await feed.openConsumers()).toHaveLength(1);
    const seq = await markStale('a', 'k2');
    const [, all] = await streams[0]!.waitFor(2);
    const [, asset] = await streams[1]!.waitFor(2);
    expect([all!.id, asset!.id]).toEqual([String(seq), String(seq)]);
    expect(streams[2]!.events).toHaveLength(1);
    streams[0]!.close();
    streams[2]!.close();
    await eventually(
      async () => feed.sharedSubscribers,
      (n) => n === 1,
    );
    expect(await feed.openConsumers()).toHaveLength(1);
    streams[1]!.close();
    await eventually(
      () => feed.openConsumers(),
      (names) => names.length === 0,
    );
  });

  it('with APPHUB_READ_AUTH=required takes the token as Bearer or access_token (EventSource), else 401', async () => {
    const guarded = await startTestApp({ APPHUB_READ_AUTH: 'required' }, { database: t.database, prefix: t.prefix });
    try {
      const anonymous = await sse('', {}, guarded);
      expect(anonymous.status).toBe(401);
      expect(anonymous.body).toMatchObject({ code: 'unauthorized' });
      expect((await sse('?access_token=not-a-token', {}, guarded)).status).toBe(401);
      for (const stream of [
        await sse(`?access_token=${READER_TOKEN}`, {}, guarded),
        await sse('', { authorization: `Bearer ${READER_TOKEN}` }, guarded),
      ]) {
        expect(stream.status).toBe(200);
        await stream.waitFor(1);
      }
      // Only the event stream reads a token from the query: elsewhere it authenticates nothing.
      const list = await guarded.request('GET', `/workflows?access_token=${READER_TOKEN}`, { token: null });
      expect(list.status).toBe(401);
    } finally {
      for (const connection of open.splice(0)) connection.close();
      await guarded.close();
    }
  });

  it('is documented in the OpenAPI document', async () => {
    const document = (await t.request('GET', '/docs/json', { token: null })).body;
    const operation = document.paths['/events'].get;
    expect(Object.keys(operation.responses['200'].content)).toEqual(['text/event-stream']);
    expect(operation.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['subjects', 'lastEventId', 'access_token', 'Last-Event-ID']),
    );
  });
});
