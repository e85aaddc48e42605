import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { AppModule } from '../app.module.js';
import { builtConsoleDir } from '../console/console-files.js';
import { registerConsole } from '../console/console-routes.js';
import { buildOpenApiDocument } from '../docs/openapi.js';
import { DomainError } from '../domain/domain-error.js';
import { DomainErrorFilter, sendProblem } from '../http/domain-error.filter.js';
import { PinoNestLogger } from '../observability/logger.js';
import type { Platform } from './platform.js';

/** Builds the Nest app on Fastify for an opened platform: problem+json errors, auth, OpenAPI at /docs, metrics. */
export async function createApp(platform: Platform): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: platform.config.maxBodyBytes,
    genReqId: (request: { headers: Record<string, unknown> }) =>
      String(request.headers['x-request-id'] ?? randomUUID()),
    requestIdHeader: false,
    allowErrorHandlerOverride: true,
    loggerInstance: platform.log.child({ component: 'http' }) as never,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(platform), adapter, {
    logger: new PinoNestLogger(platform.log.child({ component: 'nest' })),
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions?.url ?? 'unmatched';
    platform.metrics.httpDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });
  if (!platform.config.roles.has('api')) {
    const roles = [...platform.config.roles].join(',');
    fastify.addHook('onRequest', (request, reply, done) => {
      if (/^\/(health\/|metrics)/.test(request.url)) return done();
      sendProblem(
        reply,
        request,
        new DomainError(
          'route_not_found',
          `This process runs the roles ${roles}; the API is served by instances with the api role.`,
        ),
        platform.log,
      );
    });
  }
  fastify.addHook('onSend', (request, reply, payload, done) => {
    void reply.header('x-request-id', request.id);
    done(null, payload);
  });
  app.useGlobalFilters(new DomainErrorFilter(platform.log));
  app.enableShutdownHooks();
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/json', yamlDocumentUrl: 'docs/yaml' });
  if (platform.config.roles.has('api')) await registerConsole(fastify, builtConsoleDir(), platform.log);
  await app.init();
  // After init: Nest installs its own handler there, which would turn body-parser errors into generic 400s.
  fastify.setErrorHandler((error, request, reply) => sendProblem(reply, request, error, platform.log));
  return app;
}
