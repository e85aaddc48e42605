import { createTestPlatform, type TestPlatform } from '../../test/support/test-platform.js';
import { withShortDedupe } from '../../test/support/manager-world.js';
import { AppendOnce } from './append-once.js';
import { derivedEventId, toEnvelope, type EventEnvelope, type StoredEvent } from './envelope.js';

const probeSchema = {
  type: 'test.append-once.probe',
  schemaVersion: 1,
  data: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } },
};
const META = { correlationId: 'c', causationId: null, actor: 'test' };
const probe = (n: number, id = derivedEventId('probe', n)): EventEnvelope =>
  toEnvelope({ id, type: 'test.append-once.probe', data: { n } }, META, new Date().toISOString());
/** An effect of a cause (derived id), like a relayed asset or a trigger decision. */
const effectOf = (cause: StoredEvent) =>
  probe(1000 + (cause.data as { n: number }).n, derivedEventId(cause.id, 'effect'));

/**
 * Several subjects interleaved, the shape of the events stream (asset, run and materializer subjects): on
 * nats-server 2.9.10 the per-message `pending` count of a consumer started in the middle of such a stream is too low.
 */
const SUBJECTS = ['a.x', 'a.x', 'a.x', 'b.y', 'b.y', 'b.y', 'c.z', 'd.w', 'c.z', 'e.v', 'd.w', 'b.y', 'b.y', 'e.v'];

describe('AppendOnce (real NATS)', () => {
  let p: TestPlatform;
  const subject = (token: string) => `${p.nats.subjects.prefix}.probe.${token}`;
  const store = async (token: string, envelope: EventEnvelope): Promise<StoredEvent> => {
    const { lastSeq } = await p.store.append(subject(token), [envelope]);
    return { ...envelope, seq: lastSeq, subject: subject(token), storedAt: Date.now() };
  };

  beforeAll(async () => {
    p = await createTestPlatform({ extraSchemas: [probeSchema] });
    // Stands for an outage longer than the 2-minute window: the server no longer catches a repeated id.
    await withShortDedupe(p);
  });
  afterAll(async () => {
    await p.dispose();
  });

  it('finds every id stored after a batch’s first event, whatever the server says is pending', async () => {
    const stored: StoredEvent[] = [];
    for (const [n, token] of SUBJECTS.entries()) stored.push(await store(token, probe(n)));
    const ids = await p.store.idsAfter(stored[3]!.seq);
    expect([...ids].sort()).toEqual(
      stored
        .slice(4)
        .map((event) => event.id)
        .sort(),
    );
  });

  it('skips the effects of a replayed batch stored before, whatever the process clock says', async () => {
    const causes: StoredEvent[] = [];
    for (const [n, token] of SUBJECTS.entries()) causes.push(await store(token, probe(100 + n)));
    // The first run decided from the fifth cause on and carried out six effects, then the process died.
    const batch = causes.slice(4);
    for (const cause of batch.slice(0, 6)) await store('effects', effectOf(cause));
    // The process's clock says nothing about how old the batch is (it may be skewed or have paused): only the
    // stream's sequences count.
    const replay = new AppendOnce(p.store, subject('effects'));
    await replay.prepare(batch);
    const appended = [];
    for (const cause of batch) appended.push(await replay.append(subject('effects'), effectOf(cause)));
    expect(appended.map((result) => result !== null)).toEqual([...Array(6).fill(false), ...Array(4).fill(true)]);
    // Asked again (a second replay in the same process), nothing more.
    await replay.prepare(batch);
    for (const cause of batch) expect(await replay.append(subject('effects'), effectOf(cause))).toBeNull();
  });

  it('forgets the scan once past the head it saw: later batches are new', async () => {
    const cause = await store('young', probe(500));
    const once = new AppendOnce(p.store, subject('effects'));
    await once.prepare([cause]);
    await once.append(subject('effects'), effectOf(cause));
    expect(once.size).toBe(1);
    const next = await store('young', probe(501));
    await once.prepare([next]);
    expect(once.size).toBe(0);
  });

  it('holds only the effects after a backlog beyond the window, never the backlog, and still appends once', async () => {
    const causes: StoredEvent[] = [];
    for (let n = 0; n < 10; n++) causes.push(await store('backlog-causes', probe(2000 + n)));
    // The manager carried out half the batch's effects, died, and stayed down while other events piled up.
    for (const cause of causes.slice(0, 5)) await store('backlog-effects', effectOf(cause));
    const BACKLOG = 3000;
    const start = causes[0]!.seq;
    await p.store.append(
      subject('backlog-others'),
      Array.from({ length: BACKLOG }, (_, i) => probe(10_000 + i, derivedEventId('backlog', start, i))),
    );
    const once = new AppendOnce(p.store, subject('backlog-effects'));
    await once.prepare(causes);
    const appended = [];
    for (const cause of causes) appended.push(await once.append(subject('backlog-effects'), effectOf(cause)));
    // The five found, the five appended since: never the 3000 of the backlog.
    expect(once.size).toBe(10);
    expect(appended.map((result) => result !== null)).toEqual([...Array(5).fill(false), ...Array(5).fill(true)]);
    const stored = await p.store.readSubject(subject('backlog-effects'));
    expect(new Set(stored.map((event) => event.id)).size).toBe(stored.length);
    expect(stored).toHaveLength(10);
  });
});
