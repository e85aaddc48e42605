import fastifyStatic from '@fastify/static';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from 'pino';

/** The console's URL prefix (DESIGN §11). Vite emits hashed files under `static/` (see web/vite.config.ts). */
export const CONSOLE_PREFIX = '/ui/';
const HASHED_PREFIX = `${CONSOLE_PREFIX}static/`;

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>apphub-assets console</title></head>
<body><main><h1>The console is not built</h1><p>Run <code>npm run build</code> (it builds <code>web/</code> too) and
restart the service. The HTTP API is served as usual; see <a href="/docs">/docs</a>.</p></main></body></html>`;

/**
 * Serves the built console under `/ui/` (hashed assets cached for a year, `index.html` never cached) with a
 * single-page-app fallback, so a deep link such as `/ui/workflows/retail-sales-insights` works on reload;
 * `GET /` redirects to `/ui/`. Registered on api processes only (create-app.ts).
 */
export async function registerConsole(fastify: FastifyInstance, dir: string | null, log: Logger): Promise<void> {
  fastify.get('/', (_request, reply) => reply.redirect(CONSOLE_PREFIX, 302));
  fastify.get('/ui', (_request, reply) => reply.redirect(CONSOLE_PREFIX, 301));
  if (!dir) {
    log.warn('the console is not built (web/dist is missing): /ui/ explains how to build it');
    fastify.get(`${CONSOLE_PREFIX}*`, (_request, reply) => sendNotBuilt(reply));
    return;
  }
  await fastify.register(async (scope) => {
    await scope.register(fastifyStatic, {
      root: dir,
      prefix: CONSOLE_PREFIX,
      wildcard: false,
      index: false,
      schemaHide: true,
      setHeaders: (reply, filePath) => {
        const hashed = filePath.startsWith(path.join(dir, 'static') + path.sep);
        void reply.header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
    scope.get(`${CONSOLE_PREFIX}*`, (request, reply) => {
      if (request.url.startsWith(HASHED_PREFIX)) {
        // Built after start-up (a rebuild while the service runs): served from disk, 404 when it does not exist.
        const file = decodeURIComponent(request.url.slice(CONSOLE_PREFIX.length).split('?')[0]!);
        return reply.header('cache-control', 'public, max-age=31536000, immutable').sendFile(file);
      }
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    });
  });
}

function sendNotBuilt(reply: FastifyReply) {
  return reply.status(503).header('content-type', 'text/html; charset=utf-8').send(NOT_BUILT);
}
