import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { SchemaPipe } from '../http/schema.pipe.js';
import { ApiQueryFrom, ApiWorkflowAssetParams } from './api-docs.js';
import {
  checksQuerySchema,
  historyQuerySchema,
  inventoryQuerySchema,
  partitionsQuerySchema,
  type ChecksQuery,
  type HistoryQuery,
  type PartitionsQuery,
} from './asset.http-schemas.js';
import {
  checksResponseSchema,
  historyResponseSchema,
  inventoryResponseSchema,
  partitionsResponseSchema,
} from './asset.response-schemas.js';
import { WorkflowAssetReads } from './workflow-asset-reads.js';

/** Reads of one workflow's assets (DESIGN §5). */
@ApiTags('assets')
@Controller('workflows/:slug/assets')
export class WorkflowAssetsController {
  constructor(@Inject(WorkflowAssetReads) private readonly reads: WorkflowAssetReads) {}

  @Get()
  @ApiOperation({
    summary: 'Asset inventory of a workflow: producers, consumers and the newest materialization of each asset',
  })
  @ApiParam({ name: 'slug', description: 'Workflow slug.' })
  @ApiQueryFrom(inventoryQuerySchema)
  @ApiOkResponse({ schema: inventoryResponseSchema })
  inventory(
    @Param('slug') slug: string,
    @Query(new SchemaPipe(inventoryQuerySchema, 'query')) query: { minSeq?: number },
  ) {
    return this.reads.inventory(slug, query.minSeq);
  }

  @Get(':assetId/history')
  @ApiOperation({
    summary: 'Materializations of an asset by this workflow, newest first (cursor paging; optional partition filter)',
  })
  @ApiWorkflowAssetParams()
  @ApiQueryFrom(historyQuerySchema)
  @ApiOkResponse({ schema: historyResponseSchema })
  history(
    @Param('slug') slug: string,
    @Param('assetId') assetId: string,
    @Query(new SchemaPipe(historyQuerySchema, 'query')) query: HistoryQuery,
  ) {
    return this.reads.history(slug, assetId, query);
  }

  @Get(':assetId/partitions')
  @ApiOperation({
    summary: 'Partitions of an asset: stored ones plus upcoming static keys / time windows; stable cursor order',
  })
  @ApiWorkflowAssetParams()
  @ApiQueryFrom(partitionsQuerySchema)
  @ApiOkResponse({ schema: partitionsResponseSchema })
  partitions(
    @Param('slug') slug: string,
    @Param('assetId') assetId: string,
    @Query(new SchemaPipe(partitionsQuerySchema, 'query')) query: PartitionsQuery,
  ) {
    return this.reads.partitions(slug, assetId, query);
  }

  @Get(':assetId/checks')
  @ApiOperation({
    summary: 'Declared checks of an asset and their results, newest first (optional partition and check filters)',
  })
  @ApiWorkflowAssetParams()
  @ApiQueryFrom(checksQuerySchema)
  @ApiOkResponse({ schema: checksResponseSchema })
  checks(
    @Param('slug') slug: string,
    @Param('assetId') assetId: string,
    @Query(new SchemaPipe(checksQuerySchema, 'query')) query: ChecksQuery,
  ) {
    return this.reads.checks(slug, assetId, query);
  }
}
