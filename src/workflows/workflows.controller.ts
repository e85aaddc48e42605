import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../../projections/database.js';
import { listWorkflows } from '../../projections/workflow-definitions/workflow-definitions.queries.js';
import { ApiQueryFrom } from '../assets/api-docs.js';
import { CurrentActor, RequireScope } from '../auth/auth.guard.js';
import type { Actor } from '../auth/operator-tokens.js';
import { ValidationError } from '../domain/domain-error.js';
import { parseIfMatch, written } from '../http/responses.js';
import { SchemaPipe } from '../http/schema.pipe.js';
import { ConsumerRegistry } from '../projector/consumer-registry.js';
import { DB } from '../runtime/tokens.js';
import { WorkflowCommandService } from './workflow-command.service.js';
import { workflowDefinitionBodySchema } from './workflow-definition.schema.js';
import { listWorkflowsQuerySchema } from './workflow.http-schemas.js';
import { workflowListResponseSchema, workflowResponseSchema } from './workflow.response-schemas.js';

@ApiTags('workflows')
@Controller('workflows')
export class WorkflowsController {
  constructor(
    @Inject(WorkflowCommandService) private readonly commands: WorkflowCommandService,
    @Inject(ConsumerRegistry) private readonly consumers: ConsumerRegistry,
    @Inject(DB) private readonly db: Kysely<Database>,
  ) {}

  @Post()
  @HttpCode(201)
  @RequireScope('workflows:write')
  @ApiOperation({ summary: 'Register a workflow definition (scope workflows:write)' })
  @ApiBody({ schema: workflowDefinitionBodySchema as object })
  @ApiCreatedResponse({ schema: workflowResponseSchema })
  async register(
    @Body() body: unknown,
    @CurrentActor() actor: Actor,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const result = await this.commands.register(body, actor.subject, String(request.id));
    void reply.header('ETag', `"${result.workflow.version}"`).header('Location', `/workflows/${result.workflow.slug}`);
    return written(reply, result.workflow, result.eventSeq);
  }

  @Put(':slug')
  @RequireScope('workflows:write')
  @ApiOperation({ summary: 'Replace a workflow definition; If-Match: "<version>" guards against lost updates (412)' })
  @ApiBody({ schema: workflowDefinitionBodySchema as object })
  @ApiOkResponse({ schema: workflowResponseSchema })
  async update(
    @Param('slug') slug: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const expected = parseIfMatch(ifMatch);
    if (expected === 'invalid') {
      throw new ValidationError('invalid_request', 'If-Match must be a quoted version number, e.g. "3".', [
        { path: 'header/if-match', message: 'must be "<version>"' },
      ]);
    }
    const result = await this.commands.update(slug, body, expected, actor.subject, String(request.id));
    void reply.header('ETag', `"${result.workflow.version}"`);
    return written(reply, result.workflow, result.eventSeq);
  }

  @Get()
  @ApiOperation({ summary: 'List workflow definitions (by slug; cursor = last slug of the previous page)' })
  @ApiQueryFrom(listWorkflowsQuerySchema)
  @ApiOkResponse({ schema: workflowListResponseSchema })
  async list(
    @Query(new SchemaPipe(listWorkflowsQuerySchema, 'query'))
    query: {
      limit: number;
      cursor?: string;
      minSeq?: number;
    },
  ) {
    await this.consumers.waitFor('workflow_definitions', query.minSeq);
    const rows = await listWorkflows(this.db, {
      limit: query.limit + 1,
      ...(query.cursor ? { afterSlug: query.cursor } : {}),
    });
    const page = rows.slice(0, query.limit);
    return {
      data: page,
      meta: { nextCursor: rows.length > query.limit ? page[page.length - 1]!.slug : null, limit: query.limit },
    };
  }

  @Get(':slug')
  @ApiOperation({ summary: 'One workflow definition, read from the event log (never lags); ETag is its version' })
  @ApiOkResponse({ schema: workflowResponseSchema })
  async get(@Param('slug') slug: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const { workflow, seq } = await this.commands.require(slug);
    void reply.header('ETag', `"${workflow.version}"`);
    return { data: workflow, meta: { eventSeq: seq } };
  }
}
