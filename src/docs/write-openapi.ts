import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { pino } from 'pino';
import { AppModule } from '../app.module.js';
import { loadConfig } from '../config/load-config.js';
import type { Platform } from '../runtime/platform.js';
import { buildOpenApiDocument } from './openapi.js';

/**
 * `npm run docs:openapi`: writes docs/openapi.json — the document /docs/json serves — without NATS or Postgres: Nest's
 * preview mode reads the controllers' metadata without instantiating anything. The console's typed client is
 * generated from this file (web/, `npm run build`).
 */
async function main(): Promise<void> {
  const platform = { config: loadConfig({ LOG_LEVEL: 'silent' }), log: pino({ level: 'silent' }) } as Platform;
  const app = await NestFactory.create(AppModule.forRoot(platform), new FastifyAdapter(), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  const document = buildOpenApiDocument(app);
  writeFileSync('docs/openapi.json', `${JSON.stringify(document, null, 2)}\n`);
  await app.close();
  process.stdout.write('wrote docs/openapi.json\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
