import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SchemaPipe } from '../../http/schema.pipe.js';
import { ApiQueryFrom, ApiWorkflowAssetParams } from '../api-docs.js';
import { AssetDiffReads } from './asset-diff-reads.js';
import { diffQuerySchema, diffResponseSchema, type DiffQuery } from './asset-diff.http-schemas.js';

/** Payload diffs between materializations (DESIGN §14). */
@ApiTags('assets')
@Controller('workflows/:slug/assets')
export class AssetDiffController {
  constructor(@Inject(AssetDiffReads) private readonly reads: AssetDiffReads) {}

  @Get(':assetId/history/diff')
  @ApiOperation({
    summary:
      'RFC 6902 JSON Patch between two materializations (by eventSeq; default: the latest and the one before it in its partition)',
  })
  @ApiWorkflowAssetParams()
  @ApiQueryFrom(diffQuerySchema)
  @ApiOkResponse({ schema: diffResponseSchema })
  diff(
    @Param('slug') slug: string,
    @Param('assetId') assetId: string,
    @Query(new SchemaPipe(diffQuerySchema, 'query')) query: DiffQuery,
  ) {
    return this.reads.diff(slug, assetId, query);
  }
}
