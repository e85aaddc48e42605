import type { FastifyInstance } from 'fastify';
import type { ResponseContract } from './response-contract.js';

/**
 * Checks every response of a Fastify instance that is not listening yet (it refuses hooks afterwards) against the
 * contract `contractOf` answers (responses before it answers one are not checked) and reports each finding as
 * `METHOD url → status: what is wrong`. Installed by the test harness, or by `createApp` when the test-only
 * `APPHUB_TEST_RESPONSE_CONTRACT_FILE` is set; never in production.
 */
export function checkResponses(
  fastify: FastifyInstance,
  contractOf: () => ResponseContract | undefined,
  report: (finding: string) => void,
): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const finding = contractOf()?.check({
      method: request.method,
      route: request.routeOptions?.url,
      url: request.url,
      status: reply.statusCode,
      contentType: reply.getHeader('content-type') as string | undefined,
      payload,
    });
    if (finding) report(`${request.method} ${request.url} → ${reply.statusCode}: ${finding}`);
    done(null, payload);
  });
}
