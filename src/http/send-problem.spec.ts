import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { DependencyUnavailableError } from '../events/transient-error.js';
import { sendProblem } from './domain-error.filter.js';

describe('sendProblem', () => {
  const reply = () => {
    const sent: { body?: unknown } = {};
    const chain = {
      header: () => chain,
      status: () => chain,
      send: (body: unknown) => {
        sent.body = body;
        return chain;
      },
    };
    return { reply: chain as unknown as FastifyReply, sent };
  };
  const capture = () => {
    const lines: unknown[] = [];
    const log = { warn: (o: unknown) => lines.push(o), error: (o: unknown) => lines.push(o) } as unknown as Logger;
    return { log, lines };
  };
  const request = { id: 'req-1', url: '/events?subjects=asset.%3E&access_token=s3cret' } as FastifyRequest;

  it.each([
    ['a dependency outage (warn)', new DependencyUnavailableError('nats', 'down')],
    ['an unexpected error (error)', new Error('boom')],
  ])('never logs or echoes the access_token of the URL: %s', (_, error) => {
    const { log, lines } = capture();
    const { reply: r, sent } = reply();
    sendProblem(r, request, error, log);
    expect(JSON.stringify(lines)).not.toContain('s3cret');
    expect(lines).toEqual([expect.objectContaining({ url: '/events?subjects=asset.%3E&access_token=[redacted]' })]);
    expect(JSON.stringify(sent.body)).not.toContain('s3cret');
  });
});
