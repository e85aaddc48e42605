import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Kysely } from 'kysely';
import type { Database } from '../../projections/database.js';
import { ApiQueryFrom } from '../assets/api-docs.js';
import { RequireScope } from '../auth/auth.guard.js';
import { decodeCursor, encodeCursor } from '../http/cursor.js';
import { SchemaPipe } from '../http/schema.pipe.js';
import { DB } from '../runtime/tokens.js';
import { listDeadLetters } from './dead-letters.js';
import { deadLettersResponseSchema } from './dead-letters.response-schemas.js';

const deadLettersQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    consumer: { type: 'string', minLength: 1, maxLength: 100, description: 'Only the dead letters of this consumer' },
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 50, description: 'Page size (1-200)' },
    cursor: { type: 'string', maxLength: 200, description: 'meta.nextCursor of the previous page' },
  },
} as const;

/**
 * `GET /admin/dead-letters` (scope `workflows:write`): events a consumer could not apply on their own, with the
 * error, oldest first. Replay them with `npm run dead-letters -- replay <consumer> [seq…]` after a fix.
 */
@ApiTags('operations')
@Controller('admin')
export class DeadLettersController {
  constructor(@Inject(DB) private readonly db: Kysely<Database>) {}

  @Get('dead-letters')
  @RequireScope('workflows:write')
  @ApiOperation({ summary: 'Dead letters of the stream consumers (read-only; scope workflows:write)' })
  @ApiQueryFrom(deadLettersQuerySchema)
  @ApiOkResponse({ schema: deadLettersResponseSchema })
  async list(
    @Query(new SchemaPipe(deadLettersQuerySchema, 'query'))
    query: {
      consumer?: string;
      limit: number;
      cursor?: string;
    },
  ) {
    const cursor = decodeCursor<{ after: number }>(query.cursor, (value) => Number.isSafeInteger(value.after));
    const page = await listDeadLetters(this.db, {
      limit: query.limit,
      ...(query.consumer ? { consumer: query.consumer } : {}),
      ...(cursor ? { after: cursor.after } : {}),
    });
    return {
      data: { deadLetters: page.deadLetters },
      meta: {
        limit: query.limit,
        nextCursor: page.nextAfter === null ? null : encodeCursor({ after: page.nextAfter }),
      },
    };
  }
}
