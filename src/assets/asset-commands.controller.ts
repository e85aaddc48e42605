import { Body, Controller, Delete, HttpCode, Inject, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, RequireScope } from '../auth/auth.guard.js';
import type { Actor } from '../auth/operator-tokens.js';
import { written, writtenNoContent } from '../http/responses.js';
import { SchemaPipe } from '../http/schema.pipe.js';
import { ApiQueryFrom, ApiWorkflowAssetParams } from './api-docs.js';
import { AssetCommandService } from './asset-command.service.js';
import {
  markStaleBodySchema,
  markStaleQuerySchema,
  partitionKeyQuerySchema,
  partitionParametersBodySchema,
  type MarkStaleBody,
  type PartitionParametersBody,
} from './asset.http-schemas.js';
import { parametersSetResponseSchema, staleMarkedResponseSchema } from './asset.response-schemas.js';

/** Operator commands on an asset's partitions (scope workflows:run); each appends one event (DESIGN §5). */
@ApiTags('assets')
@ApiBearerAuth()
@Controller('workflows/:slug/assets/:assetId')
export class AssetCommandsController {
  constructor(@Inject(AssetCommandService) private readonly commands: AssetCommandService) {}

  @Post('stale')
  @HttpCode(201)
  @RequireScope('workflows:run')
  @ApiOperation({
    summary:
      'Mark a partition stale (asset.stale.marked); ?trigger=true records that a rerun is wanted — the materializer requests it',
  })
  @ApiWorkflowAssetParams()
  @ApiQueryFrom(markStaleQuerySchema)
  @ApiBody({ schema: markStaleBodySchema as object, required: false })
  @ApiCreatedResponse({ schema: staleMarkedResponseSchema })
  async markStale(
    @Param('slug') slug: string,
    @Param('assetId') assetId: string,
    @Query(new SchemaPipe(markStaleQuerySchema, 'query')) query: { trigger: boolean },
    @Body(new SchemaPipe(markStaleBodySchema)) body: MarkStaleBody,
    @CurrentActor() actor: Actor,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { data, eventSeq } = await this.commands.markStale(slug, assetId, body, query.trigger, {
      actor: actor.subject,
      requestId: String(request.id),
    });
    return written(reply, data, eventSeq);
  }

  @Delete('stale')
  @HttpCode(204)
  @RequireScope('workflows:run')
  @ApiOperation({ summary: 'Clear the stale mark of a partition (asset.stale.cleared)' })
  @ApiWorkflowAssetParams()
  @ApiQueryFrom(partitionKeyQuerySchema)
  @ApiNoContentResponse({ description: 'Cleared; Apphub-Event-Seq carries the event sequence.' })
  async clearStale(
    @Param('slug') slug: string,
    @Param('assetId') assetId: string,
    @Query(new SchemaPipe(partitionKeyQuerySchema, 'query')) query: { partitionKey?: string },
    @CurrentActor() actor: Actor,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    writtenNoContent(
      reply,
      await this.commands.clearStale(slug, assetId, query.partitionKey, {
        actor: actor.subject,
        requestId: String(request.id),
      }),
    );
  }

  @Put('partition-parameters')
  @HttpCode(200)
  @RequireScope('workflows:run')
  @ApiOperation({
    summary: 'Store parameters for auto runs of a partition (asset.partition-parameters.set, source manual)',
  })
  @ApiWorkflowAssetParams()
  @ApiBody({ schema: partitionParametersBodySchema as object })
  @ApiOkResponse({ schema: parametersSetResponseSchema })
  async setParameters(
    @Param('slug') slug: string,
    @Param('assetId') assetId: string,
    @Body(new SchemaPipe(partitionParametersBodySchema)) body: PartitionParametersBody,
    @CurrentActor() actor: Actor,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { data, eventSeq } = await this.commands.setParameters(slug, assetId, body, {
      actor: actor.subject,
      requestId: String(request.id),
    });
    return written(reply, data, eventSeq);
  }

  @Delete('partition-parameters')
  @HttpCode(204)
  @RequireScope('workflows:run')
  @ApiOperation({ summary: 'Delete the stored parameters of a partition (asset.partition-parameters.deleted)' })
  @ApiWorkflowAssetParams()
  @ApiQueryFrom(partitionKeyQuerySchema)
  @ApiNoContentResponse({ description: 'Deleted; Apphub-Event-Seq carries the event sequence.' })
  async deleteParameters(
    @Param('slug') slug: string,
    @Param('assetId') assetId: string,
    @Query(new SchemaPipe(partitionKeyQuerySchema, 'query')) query: { partitionKey?: string },
    @CurrentActor() actor: Actor,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    writtenNoContent(
      reply,
      await this.commands.deleteParameters(slug, assetId, query.partitionKey, {
        actor: actor.subject,
        requestId: String(request.id),
      }),
    );
  }
}
