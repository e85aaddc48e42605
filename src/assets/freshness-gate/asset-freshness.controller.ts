import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { SchemaPipe } from '../../http/schema.pipe.js';
import { ApiQueryFrom } from '../api-docs.js';
import { AssetFreshnessReads, type FreshnessQuery } from './asset-freshness-reads.js';
import { freshnessQuerySchema, freshnessResponseSchema, notFreshProblemSchema } from './freshness.http-schemas.js';

/** The freshness gate (DESIGN §14): `curl --fail …/freshness?require=fresh` blocks a release on a stale asset. */
@ApiTags('assets')
@Controller('assets')
export class AssetFreshnessController {
  constructor(@Inject(AssetFreshnessReads) private readonly reads: AssetFreshnessReads) {}

  @Get(':assetId/freshness')
  @ApiOperation({
    summary:
      'Freshness of an asset (or one partition): fresh, expired, stale or missing, since when and why; `require=fresh` answers 412 unless fresh',
  })
  @ApiParam({ name: 'assetId', description: 'Dotted, case-sensitive asset id.' })
  @ApiQueryFrom(freshnessQuerySchema)
  @ApiOkResponse({ schema: freshnessResponseSchema })
  @ApiResponse({
    status: 412,
    description:
      'With `require=fresh`: the asset is not fresh (problem+json `asset_not_fresh`, verdict in `freshness`).',
    content: { 'application/problem+json': { schema: notFreshProblemSchema } },
  })
  freshness(
    @Param('assetId') assetId: string,
    @Query(new SchemaPipe(freshnessQuerySchema, 'query')) query: FreshnessQuery,
  ) {
    return this.reads.freshness(assetId, query);
  }
}
