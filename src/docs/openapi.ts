import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { withProblemResponses } from './problem-responses.js';

/** The OpenAPI 3 document of the HTTP API (served at /docs/json, exported to docs/openapi.json). */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('apphub-assets')
      .setDescription(
        'Event-sourced workflow assets: definitions, runs, materializations, partitions and auto-materialization.',
      )
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  );
  return withProblemResponses(document);
}
