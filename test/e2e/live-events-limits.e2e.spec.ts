import { get } from 'node:http';
import { EventFeed } from '../../src/events/event-feed.js';
import { LiveStreams } from '../../src/live/live-streams.js';
import { openSse, type SseConnection } from '../support/sse-client.js';
import { ADMIN_TOKEN, READER_TOKEN, startTestApp, type TestApp } from '../support/test-app.js';
import { eventually } from '../support/waiting.js';

/**
 * Opens `/events` on a connection of its own and destroys it after `ms` (before or after the stream is set up).
 * Plain node:http, no pool: fetch's pool may open spare connections that outlive the test.
 */
function abortAfter(url: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const request = get(url, { agent: false, headers: { accept: 'text/event-stream' } });
    request.on('error', () => undefined);
    request.on('close', () => resolve());
    setTimeout(() => request.destroy(), ms);
  });
}

describe('GET /events apart from request admission', () => {
  let t: TestApp;
  const open: SseConnection[] = [];
  const sse = async (headers: Record<string, string> = {}) => {
    const connection = await openSse(`${t.baseUrl}/events`, headers);
    open.push(connection);
    return connection;
  };
  const closeAll = async () => {
    for (const connection of open.splice(0)) connection.close();
    await eventually(
      async () => t.app.get(LiveStreams).size,
      (size) => size === 0,
    );
  };

  beforeAll(async () => {
    t = await startTestApp({
      APPHUB_MAX_INFLIGHT_REQUESTS: '4',
      APPHUB_MAX_CONCURRENT_REQUESTS: '2',
      APPHUB_MAX_EVENT_STREAMS: '12',
      APPHUB_MAX_EVENT_STREAMS_PER_CLIENT: '8',
    });
    const created = await t.request('POST', '/workflows', {
      body: { slug: 'live-limits', name: 'Live limits', steps: [{ id: 's', jobSlug: 'external-job' }] },
    });
    expect(created.status).toBe(201);
  });
  afterEach(closeAll);
  afterAll(async () => {
    await t.close();
  });

  it('takes no request slot: with more streams open than the request bound, writes and reads still answer 2xx', async () => {
    const streams = [];
    for (let i = 0; i < 8; i += 1) streams.push(await sse());
    await Promise.all(streams.map((stream) => stream.waitFor(1)));
    expect(streams.every((stream) => stream.status === 200)).toBe(true);
    for (let i = 0; i < 3; i += 1) {
      expect((await t.request('POST', '/workflows/live-limits/run', { body: {} })).status).toBe(202);
      expect((await t.request('GET', '/workflows/live-limits', { token: null })).status).toBe(200);
    }
    expect((await t.request('GET', '/health/ready', { token: null })).status).toBe(200);
    const metrics = (await t.request('GET', '/metrics', { token: null })).body as string;
    expect(metrics).toMatch(/^apphub_event_streams_open 8$/m);
    // The streams saw the writes: they are live, not parked.
    await Promise.all(streams.map((stream) => stream.waitFor(2)));
  });

  it('caps streams per client (token subject, else address) and in total with 503 event_streams_exhausted', async () => {
    for (let i = 0; i < 8; i += 1) expect((await sse()).status).toBe(200);
    const perClient = await sse();
    expect(perClient.status).toBe(503);
    expect(perClient.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(perClient.body).toMatchObject({ code: 'event_streams_exhausted', retryAfterMs: 1000 });
    expect(perClient.headers.get('retry-after')).toBe('1');
    expect(perClient.headers.get('retry-after-ms')).toBe('1000');
    // Another client still gets streams, up to the total.
    for (let i = 0; i < 4; i += 1) expect((await sse({ authorization: `Bearer ${READER_TOKEN}` })).status).toBe(200);
    const total = await sse({ authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(total.status).toBe(503);
    expect(total.body).toMatchObject({ code: 'event_streams_exhausted' });
    expect(t.app.get(LiveStreams).size).toBe(12);
    // A stream closed gives its place back.
    open[0]!.close();
    await eventually(
      async () => t.app.get(LiveStreams).size,
      (size) => size === 11,
    );
    expect((await sse()).status).toBe(200);
  });

  it('leaves no consumer behind when requests are aborted at 1, 20 and 100 ms, and none is re-created', async () => {
    const feed = t.app.get(EventFeed);
    await eventually(
      () => feed.openConsumers(),
      (names) => names.length === 0,
    );
    for (const ms of [1, 20, 100]) {
      await Promise.all(Array.from({ length: 10 }, () => abortAfter(`${t.baseUrl}/events`, ms)));
    }
    await eventually(
      async () => ({ consumers: (await feed.openConsumers()).length, places: t.app.get(LiveStreams).size }),
      (state) => state.consumers === 0 && state.places === 0,
    );
    // An ordered consumer left running would re-create itself on the server: give it the time to show.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await feed.openConsumers()).toEqual([]);
    expect(t.app.get(LiveStreams).size).toBe(0);
  });
});
