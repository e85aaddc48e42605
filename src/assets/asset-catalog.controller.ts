import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { SchemaPipe } from '../http/schema.pipe.js';
import { ApiQueryFrom } from './api-docs.js';
import { AssetCatalogReads } from './asset-catalog-reads.js';
import { assetDetailQuerySchema, catalogQuerySchema, graphQuerySchema, type PageQuery } from './asset.http-schemas.js';
import { assetDetailResponseSchema, catalogResponseSchema, graphResponseSchema } from './asset.response-schemas.js';

/** Reads across workflows: catalog, one asset, lineage graph (DESIGN §5). */
@ApiTags('assets')
@Controller('assets')
export class AssetCatalogController {
  constructor(@Inject(AssetCatalogReads) private readonly reads: AssetCatalogReads) {}

  @Get()
  @ApiOperation({
    summary:
      'Global asset catalog by asset id (cursor paging): producers, consumers, partition count, newest materialization',
  })
  @ApiQueryFrom(catalogQuerySchema)
  @ApiOkResponse({ schema: catalogResponseSchema })
  catalog(@Query(new SchemaPipe(catalogQuerySchema, 'query')) query: PageQuery) {
    return this.reads.catalog(query);
  }

  @Get('graph')
  @ApiOperation({
    summary:
      'Cross-workflow asset graph: nodes with stale partitions and outdated upstreams, consumed → produced edges',
  })
  @ApiQueryFrom(graphQuerySchema)
  @ApiOkResponse({ schema: graphResponseSchema })
  graph(@Query(new SchemaPipe(graphQuerySchema, 'query')) query: { minSeq?: number }) {
    return this.reads.graph(query.minSeq);
  }

  @Get(':assetId')
  @ApiOperation({
    summary:
      'One asset across workflows: producers, consumers, the latest materialization per workflow × partition (paged)',
  })
  @ApiParam({ name: 'assetId', description: 'Dotted, case-sensitive asset id.' })
  @ApiQueryFrom(assetDetailQuerySchema)
  @ApiOkResponse({ schema: assetDetailResponseSchema })
  asset(@Param('assetId') assetId: string, @Query(new SchemaPipe(assetDetailQuerySchema, 'query')) query: PageQuery) {
    return this.reads.asset(assetId, query);
  }
}
