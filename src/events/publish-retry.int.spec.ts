import { errors as natsErrors, headers as natsHeaders } from '@nats-io/transport-node';
import { JetStreamApiError } from '@nats-io/jetstream';
import { openTestNats } from '../../test/support/test-nats.js';
import type { NatsContext } from './nats-context.js';
import {
  PUBLISH_ATTEMPT_TIMEOUT_MS,
  PUBLISH_RETRY_BUDGET_MS,
  publishRetryReason,
  publishRetrying,
  type PublishRetryReason,
} from './publish-retry.js';

const apiError = (status: number, errCode: number) =>
  new JetStreamApiError({ code: status, err_code: errCode, description: 'from the server' });

describe('which publish failures are sent again', () => {
  it('retries a late ack, no responders and a 503 from the JetStream API, by class and status', () => {
    expect(publishRetryReason(new natsErrors.TimeoutError())).toBe('timeout');
    const noResponders = new natsErrors.RequestError('no responders', {
      cause: new natsErrors.NoRespondersError('x'),
    });
    expect(publishRetryReason(noResponders)).toBe('no_responders');
    // What @nats-io/jetstream throws for it (JetStreamNotEnabled, not exported), with the request error as cause.
    expect(publishRetryReason(new Error('jetstream is not enabled', { cause: noResponders }))).toBe('no_responders');
    expect(publishRetryReason(apiError(503, 10008))).toBe('unavailable');
  });

  it('never retries a refusal, and never on words in a message', () => {
    // Wrong last sequence: another writer moved the subject on; the writer re-reads instead.
    expect(publishRetryReason(apiError(400, 10071))).toBeNull();
    expect(publishRetryReason(new Error('timeout'))).toBeNull();
    expect(publishRetryReason(new Error('no responders available for request'))).toBeNull();
    expect(publishRetryReason(new natsErrors.RequestError('permissions'))).toBeNull();
  });
});

describe('publishRetrying (real NATS)', () => {
  let nats: NatsContext & { dispose(): Promise<void> };
  const probe = () => `${nats.subjects.prefix}_probe${Math.random().toString(36).slice(2, 8)}`;

  beforeAll(async () => {
    nats = await openTestNats();
  });
  afterAll(async () => {
    await nats.dispose();
  });

  it('sends a publish whose ack did not come again, with the same Nats-Msg-Id', async () => {
    const subject = probe();
    const ids: Array<string | undefined> = [];
    // Stands for a stream leader that stored the message and died before acking: the first request goes unanswered.
    const responder = nats.nc.subscribe(subject, {
      callback: (_error, message) => {
        ids.push(message.headers?.get('Nats-Msg-Id'));
        if (ids.length > 1) message.respond(JSON.stringify({ stream: 'PROBE', seq: 7, duplicate: true }));
      },
    });
    const reasons: PublishRetryReason[] = [];
    const startedAt = Date.now();
    const ack = await publishRetrying(nats, subject, 'x', { msgID: 'event-1' }, (reason) => reasons.push(reason));
    responder.unsubscribe();
    expect(ack).toMatchObject({ seq: 7, duplicate: true });
    expect(ids).toEqual(['event-1', 'event-1']);
    expect(reasons).toEqual(['timeout']);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(PUBLISH_ATTEMPT_TIMEOUT_MS);
    expect(Date.now() - startedAt).toBeLessThan(PUBLISH_RETRY_BUDGET_MS);
  });

  it('sends a publish again as soon as its connection is back when the connection drops under it', async () => {
    const subject = probe();
    const ids: Array<string | undefined> = [];
    const responder = nats.nc.subscribe(subject, {
      callback: (_error, message) => {
        ids.push(message.headers?.get('Nats-Msg-Id'));
        // The first request is left unanswered, and the connection goes: no answer can come for it any more.
        if (ids.length === 1) void nats.nc.reconnect();
        else message.respond(JSON.stringify({ stream: 'PROBE', seq: 3 }));
      },
    });
    const startedAt = Date.now();
    const ack = await nats.publish(subject, 'x', { msgID: 'event-2' });
    const elapsed = Date.now() - startedAt;
    responder.unsubscribe();
    expect(ack.seq).toBe(3);
    expect(ids).toEqual(['event-2', 'event-2']);
    // Not the attempt's whole timeout: the dropped connection ended it.
    expect(elapsed).toBeLessThan(PUBLISH_ATTEMPT_TIMEOUT_MS);
  });

  it('a stored event sent again is answered as the duplicate it is, ahead of its expected sequence', async () => {
    const subject = probe();
    const stream = subject.toUpperCase();
    await nats.jsm.streams.add({ name: stream, subjects: [`${subject}.>`], duplicate_window: 120_000_000_000 });
    try {
      const h = () => {
        const headers = natsHeaders();
        headers.set('Apphub-Event-Type', 'probe');
        return headers;
      };
      const expect0 = { expect: { lastSubjectSequence: 0 } };
      const first = await publishRetrying(nats, `${subject}.run`, 'a', { msgID: 'e1', headers: h(), ...expect0 });
      await publishRetrying(nats, `${subject}.run`, 'b', {
        msgID: 'e2',
        headers: h(),
        expect: { lastSubjectSequence: 1 },
      });
      // The retry of e1 after a lost ack: the subject has moved on, but the server answers the id it has.
      const again = await publishRetrying(nats, `${subject}.run`, 'a', { msgID: 'e1', headers: h(), ...expect0 });
      expect(again).toMatchObject({ seq: first.seq, duplicate: true });
      expect((await nats.jsm.streams.info(stream)).state.messages).toBe(2);
    } finally {
      await nats.jsm.streams.delete(stream);
    }
  });

  it('keeps trying while no stream takes the subject, and succeeds once one does', async () => {
    const subject = probe();
    const stream = subject.toUpperCase();
    const reasons: PublishRetryReason[] = [];
    const created = new Promise((resolve) => setTimeout(resolve, 400)).then(() =>
      nats.jsm.streams.add({ name: stream, subjects: [subject] }),
    );
    try {
      const ack = await publishRetrying(nats, subject, 'x', { msgID: 'late' }, (reason) => reasons.push(reason));
      await created;
      expect(ack.stream).toBe(stream);
      expect(reasons.length).toBeGreaterThan(1);
      expect(new Set(reasons)).toEqual(new Set(['no_responders']));
    } finally {
      await created;
      await nats.jsm.streams.delete(stream);
    }
  });

  it('gives up after its budget and throws the last failure', async () => {
    const reasons: PublishRetryReason[] = [];
    const startedAt = Date.now();
    const failure = await publishRetrying(nats, probe(), 'x', { msgID: 'nowhere' }, (reason) =>
      reasons.push(reason),
    ).then(
      () => null,
      (error: unknown) => error,
    );
    const elapsed = Date.now() - startedAt;
    expect(publishRetryReason(failure)).toBe('no_responders');
    expect(elapsed).toBeGreaterThanOrEqual(PUBLISH_RETRY_BUDGET_MS - 300);
    expect(elapsed).toBeLessThan(PUBLISH_RETRY_BUDGET_MS + 1000);
    expect(reasons.length).toBeGreaterThan(5);
  });
});
