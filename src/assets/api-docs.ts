import { applyDecorators } from '@nestjs/common';
import { ApiParam, ApiQuery } from '@nestjs/swagger';

/** Documents every property of a query JSON schema as an optional OpenAPI query parameter. */
export function ApiQueryFrom(schema: { properties: Record<string, unknown> }) {
  return applyDecorators(
    ...Object.entries(schema.properties).map(([name, property]) =>
      ApiQuery({ name, required: false, schema: property as Record<string, unknown> }),
    ),
  );
}

/** The `:slug` and `:assetId` path parameters. */
export const ApiWorkflowAssetParams = () =>
  applyDecorators(
    ApiParam({ name: 'slug', description: 'Workflow slug.' }),
    ApiParam({ name: 'assetId', description: 'Dotted, case-sensitive asset id (URL-encoded).' }),
  );
