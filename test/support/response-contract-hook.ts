import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { buildOpenApiDocument } from '../../src/docs/openapi.js';
import { ResponseContract } from './openapi-responses.js';

/** Findings of this test file not yet reported: `METHOD url → status: what is wrong`. */
const violations: string[] = [];

/** Throws (failing the current test, or the hook that calls it) when a response broke the contract since last asked. */
export function assertResponsesMatchContract(): void {
  if (violations.length === 0) return;
  const found = violations.splice(0);
  throw new Error(
    `${found.length} response(s) do not match the OpenAPI document the service serves:\n  ${found.join('\n  ')}`,
  );
}

// Every test file that starts the app gets the check without opting in: jest evaluates this module while it
// collects the file, so the hook belongs to the file's root block.
if (typeof afterEach === 'function') afterEach(assertResponsesMatchContract);

/**
 * Installs the check on an app that is initialized but not listening yet (Fastify refuses hooks afterwards); call
 * `load` once it listens, to read the document the app serves. Responses before that are not checked.
 */
export function watchResponses(app: NestFastifyApplication): { load(): Promise<void> } {
  let contract: ResponseContract | undefined;
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', (request, reply, payload, done) => {
      const finding = contract?.check({
        method: request.method,
        route: request.routeOptions?.url,
        url: request.url,
        status: reply.statusCode,
        contentType: reply.getHeader('content-type') as string | undefined,
        payload,
      });
      if (finding) violations.push(`${request.method} ${request.url} → ${reply.statusCode}: ${finding}`);
      done(null, payload);
    });
  return {
    async load() {
      const served = await app.inject({ method: 'GET', url: '/docs/json' });
      // Processes without the api role serve no /docs; their document is the same one.
      contract = new ResponseContract(
        served.statusCode === 200 ? (served.json() as Record<string, any>) : buildOpenApiDocument(app),
      );
    },
  };
}
