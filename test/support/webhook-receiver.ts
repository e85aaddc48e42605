import Fastify from 'fastify';
import { verifyWebhook } from '../../src/webhooks/webhook-signature.js';

/** One request the receiver got: its headers, whether the signature verified, what it answered. */
export interface ReceivedWebhook {
  id: string;
  verified: boolean;
  status: number;
  body: { type: string; timestamp: string; data: { assetId: string; eventSeq: number; eventId: string } };
}

/**
 * A webhook receiver on loopback (Fastify) for tests: verifies every signature with the secret it is given (like
 * the README's example), records every request, answers `status` (a 500 for a while, then 204).
 */
export async function startWebhookReceiver() {
  let status = 204;
  let secret = '';
  const requests: ReceivedWebhook[] = [];
  const app = Fastify({ logger: false });
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.post('/hooks', async (request, reply) => {
    const raw = request.body as string;
    const header = (name: string) => String(request.headers[name] ?? '');
    const verified = verifyWebhook(
      secret,
      { id: header('webhook-id'), timestamp: header('webhook-timestamp'), signature: header('webhook-signature') },
      raw,
    );
    const answer = verified ? status : 401;
    requests.push({ id: header('webhook-id'), verified, status: answer, body: JSON.parse(raw) });
    return reply.status(answer).send();
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    requests,
    /** The accepted ones (2xx), in the order they arrived. */
    accepted: () => requests.filter((r) => r.status >= 200 && r.status < 300),
    setSecret(next: string) {
      secret = next;
    },
    setStatus(next: number) {
      status = next;
    },
    close: () => app.close(),
  };
}
