import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Kysely } from 'kysely';
import {
  findBackfill,
  listBackfillPartitions,
  listBackfills,
  type BackfillView,
} from '../../projections/backfills/backfills.queries.js';
import type { Database } from '../../projections/database.js';
import { ApiQueryFrom } from '../assets/api-docs.js';
import { CurrentActor, RequireScope } from '../auth/auth.guard.js';
import type { Actor } from '../auth/operator-tokens.js';
import { DomainError } from '../domain/domain-error.js';
import { decodeCursor, encodeCursor, isCursorSeq } from '../http/cursor.js';
import { written } from '../http/responses.js';
import { SchemaPipe } from '../http/schema.pipe.js';
import { ConsumerRegistry } from '../projector/consumer-registry.js';
import { DB } from '../runtime/tokens.js';
import { WorkflowCommandService } from '../workflows/workflow-command.service.js';
import { BackfillCommandService, type BackfillRequestBody } from './backfill-command.service.js';
import { viewOfRequest } from './backfill-view.js';
import {
  backfillRequestBodySchema,
  cancelBackfillBodySchema,
  getBackfillQuerySchema,
  listBackfillsQuerySchema,
  type GetBackfillQuery,
  type ListBackfillsQuery,
} from './backfill.http-schemas.js';
import {
  backfillDetailResponseSchema,
  backfillListResponseSchema,
  backfillResponseSchema,
} from './backfill.response-schemas.js';

/** The read model behind the GET endpoints (`?minSeq=` waits for it). */
const READ_MODEL = 'backfills';
/** How long a cancel waits for the read model to show it before answering from the request. */
const CANCEL_VIEW_WAIT_MS = 2000;

@ApiTags('backfills')
@Controller('workflows')
export class BackfillsController {
  constructor(
    @Inject(BackfillCommandService) private readonly commands: BackfillCommandService,
    @Inject(WorkflowCommandService) private readonly workflows: WorkflowCommandService,
    @Inject(ConsumerRegistry) private readonly consumers: ConsumerRegistry,
    @Inject(DB) private readonly db: Kysely<Database>,
  ) {}

  @Post(':slug/backfills')
  @HttpCode(202)
  @RequireScope('workflows:run')
  @ApiOperation({
    summary:
      'Backfill a partitioned workflow over a time-window range or a list of keys (scope workflows:run); 202 once recorded',
  })
  @ApiBody({ schema: backfillRequestBodySchema as object })
  @ApiAcceptedResponse({ schema: backfillResponseSchema })
  async request(
    @Param('slug') slug: string,
    @Body(new SchemaPipe(backfillRequestBodySchema)) body: BackfillRequestBody,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { request, eventSeq } = await this.commands.request(slug, body, actor.subject);
    void reply.header('Location', `/workflows/${slug}/backfills/${request.backfillId}`);
    return written(reply, viewOfRequest(request, eventSeq), eventSeq);
  }

  @Get(':slug/backfills')
  @ApiOperation({ summary: 'Backfills of a workflow with their progress, newest first' })
  @ApiQueryFrom(listBackfillsQuerySchema)
  @ApiOkResponse({ schema: backfillListResponseSchema })
  async list(
    @Param('slug') slug: string,
    @Query(new SchemaPipe(listBackfillsQuerySchema, 'query')) query: ListBackfillsQuery,
  ) {
    const cursor = decodeCursor<{ seq: number }>(query.cursor, (value) => isCursorSeq(value.seq));
    await this.workflows.require(slug);
    await this.consumers.waitFor(READ_MODEL, query.minSeq);
    const rows = await listBackfills(this.db, {
      slug,
      limit: query.limit + 1,
      ...(cursor ? { beforeSeq: cursor.seq } : {}),
      ...(query.status ? { status: query.status } : {}),
    });
    const page = rows.slice(0, query.limit);
    const nextCursor = rows.length > query.limit ? encodeCursor({ seq: page[page.length - 1]!.requestedSeq }) : null;
    return { data: page.map(({ requestedSeq: _seq, ...view }) => view), meta: { limit: query.limit, nextCursor } };
  }

  @Get(':slug/backfills/:backfillId')
  @ApiOperation({ summary: 'One backfill: counts per status and its partitions in release order (paged)' })
  @ApiQueryFrom(getBackfillQuerySchema)
  @ApiOkResponse({ schema: backfillDetailResponseSchema })
  async get(
    @Param('slug') slug: string,
    @Param('backfillId') backfillId: string,
    @Query(new SchemaPipe(getBackfillQuerySchema, 'query')) query: GetBackfillQuery,
  ) {
    const cursor = decodeCursor<{ position: number }>(query.cursor, (value) => isCursorSeq(value.position));
    await this.workflows.require(slug);
    await this.consumers.waitFor(READ_MODEL, query.minSeq);
    const backfill = await this.find(slug, backfillId);
    const rows = await listBackfillPartitions(this.db, {
      backfill,
      limit: query.limit + 1,
      ...(cursor ? { afterPosition: cursor.position } : {}),
      ...(query.status ? { status: query.status } : {}),
    });
    const partitions = rows.slice(0, query.limit);
    const nextCursor =
      rows.length > query.limit ? encodeCursor({ position: partitions[partitions.length - 1]!.position }) : null;
    return { data: { ...backfill, partitions }, meta: { limit: query.limit, nextCursor } };
  }

  @Post(':slug/backfills/:backfillId/cancel')
  @HttpCode(202)
  @RequireScope('workflows:run')
  @ApiOperation({
    summary:
      'Cancel a backfill (scope workflows:run): no further partition is released; runs already requested are left to finish',
  })
  @ApiBody({ schema: cancelBackfillBodySchema as object, required: false })
  @ApiAcceptedResponse({ schema: backfillResponseSchema })
  async cancel(
    @Param('slug') slug: string,
    @Param('backfillId') backfillId: string,
    @Body(new SchemaPipe(cancelBackfillBodySchema)) body: { reason?: string },
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { request, eventSeq } = await this.commands.cancel(slug, backfillId, actor.subject, body.reason ?? null);
    let view: BackfillView | null = null;
    try {
      await this.consumers.waitFor(READ_MODEL, eventSeq, CANCEL_VIEW_WAIT_MS);
      view = await findBackfill(this.db, slug, backfillId);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'read_model_lagging') throw error;
    }
    // The cancel is recorded either way; a lagging read model only means the answer is built from the request.
    view ??= {
      ...viewOfRequest(request, eventSeq),
      status: 'canceling',
      canceledBy: actor.subject,
      canceledAt: new Date().toISOString(),
    };
    return written(reply, view, eventSeq);
  }

  private async find(slug: string, backfillId: string): Promise<BackfillView> {
    const view = backfillId.length <= 100 ? await findBackfill(this.db, slug, backfillId) : null;
    if (view) return view;
    throw new DomainError('backfill_not_found', `Workflow "${slug}" has no backfill "${backfillId}".`, { backfillId });
  }
}
