import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { nullableAsTypeNull } from './nullable-as-type-null.js';
import { withProblemResponses } from './problem-responses.js';

/**
 * The OpenAPI 3.1 document of the HTTP API (served at /docs/json, exported to docs/openapi.json). 3.1, because its
 * schemas are JSON Schema 2020-12 (`const`, `type: 'null'`), as the service's ajv schemas are.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setOpenAPIVersion('3.1.0')
      .setTitle('apphub-assets')
      .setDescription(
        'Event-sourced workflow assets: definitions, runs, materializations, partitions and auto-materialization.',
      )
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  );
  return withProblemResponses(nullableAsTypeNull(document));
}
