import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiQueryFrom } from '../assets/api-docs.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../../projections/database.js';
import { listRuns } from '../../projections/run-history/run-history.queries.js';
import { CurrentActor, RequireScope } from '../auth/auth.guard.js';
import type { Actor } from '../auth/operator-tokens.js';
import { decodeCursor, encodeCursor, isCursorSeq } from '../http/cursor.js';
import { written } from '../http/responses.js';
import { SchemaPipe } from '../http/schema.pipe.js';
import { ConsumerRegistry } from '../projector/consumer-registry.js';
import { DB } from '../runtime/tokens.js';
import { WorkflowCommandService } from '../workflows/workflow-command.service.js';
import { RunCommandService, type CompletionBody, type ManualRunBody } from './run-command.service.js';
import { toRunView } from './run-state.js';
import {
  cancelBodySchema,
  completionBodySchema,
  getRunQuerySchema,
  listRunsQuerySchema,
  runRequestBodySchema,
} from './run.http-schemas.js';
import { completionResponseSchema, runListResponseSchema, runResponseSchema } from './run.response-schemas.js';

interface ListRunsQuery {
  limit: number;
  cursor?: string;
  status?: string;
  partitionKey?: string;
  trigger?: string;
  minSeq?: number;
}

@ApiTags('runs')
@Controller()
export class RunsController {
  constructor(
    @Inject(RunCommandService) private readonly runs: RunCommandService,
    @Inject(WorkflowCommandService) private readonly workflows: WorkflowCommandService,
    @Inject(ConsumerRegistry) private readonly consumers: ConsumerRegistry,
    @Inject(DB) private readonly db: Kysely<Database>,
  ) {}

  @Post('workflows/:slug/run')
  @HttpCode(202)
  @RequireScope('workflows:run')
  @ApiOperation({ summary: 'Request a run (scope workflows:run); answers 202 with the pending run' })
  @ApiBody({ schema: runRequestBodySchema as object })
  @ApiAcceptedResponse({ schema: runResponseSchema })
  async run(
    @Param('slug') slug: string,
    @Body(new SchemaPipe(runRequestBodySchema)) body: ManualRunBody,
    @CurrentActor() actor: Actor,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { run, eventSeq } = await this.runs.requestManualRun(slug, body, actor.subject, String(request.id));
    void reply.header('Location', `/workflow-runs/${run.id}`);
    return written(reply, run, eventSeq);
  }

  @Get('workflows/:slug/runs')
  @ApiOperation({ summary: 'Runs of a workflow, newest first; filters status, partitionKey, trigger' })
  @ApiQueryFrom(listRunsQuerySchema)
  @ApiOkResponse({ schema: runListResponseSchema })
  async list(@Param('slug') slug: string, @Query(new SchemaPipe(listRunsQuerySchema, 'query')) query: ListRunsQuery) {
    await this.workflows.require(slug);
    await this.consumers.waitFor('run_history', query.minSeq);
    const cursor = decodeCursor<{ seq: number }>(query.cursor, (value) => isCursorSeq(value.seq));
    const rows = await listRuns(this.db, {
      slug,
      limit: query.limit + 1,
      ...(cursor ? { beforeSeq: cursor.seq } : {}),
      ...(query.status ? { status: query.status } : {}),
      ...(query.partitionKey ? { partitionKey: query.partitionKey } : {}),
      ...(query.trigger ? { trigger: query.trigger } : {}),
    });
    const page = rows.slice(0, query.limit);
    const nextCursor = rows.length > query.limit ? encodeCursor({ seq: page[page.length - 1]!.seq }) : null;
    return { data: page.map((row) => toRunView(row.state)), meta: { limit: query.limit, nextCursor } };
  }

  @Get('workflow-runs/:runId')
  @ApiOperation({ summary: 'One run with its steps and produced assets, folded from its events (never lags)' })
  @ApiOkResponse({ schema: runResponseSchema })
  async get(
    @Param('runId') runId: string,
    @Query(new SchemaPipe(getRunQuerySchema, 'query')) _query: { minSeq?: number },
  ) {
    const { state } = await this.runs.getRun(runId, _query.minSeq ?? 0);
    return { data: toRunView(state), meta: { eventSeq: state.lastSeq } };
  }

  @Post('workflow-runs/:runId/cancel')
  @HttpCode(202)
  @RequireScope('workflows:run')
  @ApiOperation({ summary: 'Cancel a pending, running or waiting run (scope workflows:run)' })
  @ApiBody({ schema: cancelBodySchema as object, required: false })
  @ApiAcceptedResponse({ schema: runResponseSchema })
  async cancel(
    @Param('runId') runId: string,
    @Body(new SchemaPipe(cancelBodySchema)) body: { reason?: string },
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { run, eventSeq } = await this.runs.cancel(runId, actor.subject, body.reason ?? null);
    return written(reply, run, eventSeq);
  }

  @Post('workflow-runs/:runId/steps/:stepId/complete')
  @HttpCode(200)
  @RequireScope('workflows:run')
  @ApiOperation({
    summary: 'An external worker reports a step attempt; repeating a completed attempt answers the original result',
  })
  @ApiBody({ schema: completionBodySchema as object })
  @ApiOkResponse({ schema: completionResponseSchema })
  async complete(
    @Param('runId') runId: string,
    @Param('stepId') stepId: string,
    @Body(new SchemaPipe(completionBodySchema)) body: CompletionBody,
    @CurrentActor() actor: Actor,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { answer, eventSeq } = await this.runs.completeStep(runId, stepId, body, actor.subject, String(request.id));
    const { duplicate, seq: _seq, ...data } = answer;
    return written(reply, data, eventSeq, { duplicate });
  }
}
