import 'reflect-metadata';
import { appendFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppModule } from '../app.module.js';
import { builtConsoleDir } from '../console/console-files.js';
import { registerConsole } from '../console/console-routes.js';
import { buildOpenApiDocument } from '../docs/openapi.js';
import { ResponseContract } from '../docs/response-contract.js';
import { checkResponses } from '../docs/response-contract-hook.js';
import { DomainError } from '../domain/domain-error.js';
import { registerAdmission } from '../http/admission.js';
import { DomainErrorFilter, sendProblem } from '../http/domain-error.filter.js';
import { assertStorableBody, assertStorableUrl } from '../http/input-guards.js';
import { requestIdOf } from '../http/request-id.js';
import { StreamEnd, StreamEndInterceptor } from '../http/stream-end.interceptor.js';
import { PinoNestLogger } from '../observability/logger.js';
import type { Platform } from './platform.js';

/** Builds the Nest app on Fastify for an opened platform: problem+json errors, auth, OpenAPI at /docs, metrics. */
export async function createApp(platform: Platform): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: platform.config.maxBodyBytes,
    genReqId: (request: { headers: Record<string, unknown> }) => requestIdOf(request.headers),
    requestIdHeader: false,
    // Asset ids may be 200 characters; longer path parameters answer 414 problem+json (frameworkErrors).
    routerOptions: { maxParamLength: 1000 },
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) =>
      sendProblem(reply, request, error, platform.log),
    allowErrorHandlerOverride: true,
    loggerInstance: platform.log.child({ component: 'http' }) as never,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(platform), adapter, {
    logger: new PinoNestLogger(platform.log.child({ component: 'nest' })),
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  await registerAdmission(fastify as never, {
    ...platform.config.admission,
    log: platform.log,
    metrics: platform.metrics,
  });
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
  // Input no read model could store (NUL, unpaired surrogates) or too deep to walk is refused before any handler.
  fastify.addHook('onRequest', (request, reply, done) => {
    try {
      assertStorableUrl(request.url);
      done();
    } catch (error) {
      sendProblem(reply, request, error, platform.log);
    }
  });
  fastify.addHook('preValidation', (request, reply, done) => {
    try {
      assertStorableBody(request.body);
      done();
    } catch (error) {
      sendProblem(reply, request, error, platform.log);
    }
  });
  fastify.addHook('onSend', (request, reply, payload, done) => {
    void reply.header('x-request-id', request.id);
    done(null, payload);
  });
  app.useGlobalFilters(new DomainErrorFilter(platform.log));
  app.useGlobalInterceptors(new StreamEndInterceptor(new StreamEnd(() => platform.store.lastSequence())));
  app.enableShutdownHooks();
  const document = buildOpenApiDocument(app);
  const findings = platform.config.responseContractFile;
  if (findings) {
    const contract = new ResponseContract(document);
    checkResponses(
      fastify,
      () => contract,
      (finding) => appendFileSync(findings, `${finding}\n`),
    );
  }
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/json', yamlDocumentUrl: 'docs/yaml' });
  if (platform.config.roles.has('api')) await registerConsole(fastify, builtConsoleDir(), platform.log);
  await app.init();
  // After init: Nest installs its own handler there, which would turn body-parser errors into generic 400s.
  fastify.setErrorHandler((error, request, reply) => sendProblem(reply, request, error, platform.log));
  return app;
}
